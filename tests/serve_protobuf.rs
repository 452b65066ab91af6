//! kubectl's generator commands against `kubesim serve` (issue 7): `create deployment|
//! namespace|configmap|secret|job|cronjob|service|quota|pdb|priorityclass`, `expose`,
//! `autoscale` and `run` send their objects as protobuf (`application/vnd.kubernetes.protobuf`),
//! which the server decodes (sim-serve/src/protobuf.rs) into the objects kubectl meant, and
//! the simulated cluster acts on them. A protobuf session recorded with `--record` replays to
//! the identical timeline, and keeps every decoded object (Secret data included) as JSON.
//!
//! Each test starts its own server with a paused clock and advances it explicitly. Without
//! kubectl the tests print `SKIPPED` and pass (CI installs kubectl in `.ci/run`).

mod serve_support;

use std::process::Command;

use serve_support::{kubectl_binary, scratch, texts, Served};

const SCENARIO: &str = "\
apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata:
  name: generators
spec:
  duration: 1h
  cluster:
    nodePools:
    - name: node
      count: 2
      capacity: {cpu: \"8\", memory: 16Gi, pods: 110}
  behaviours:
  - selector: app=web
    pullAfter: 5s
    startAfter: 10s
";

fn start(test: &str, extra: &[&str]) -> Option<(Served, std::path::PathBuf)> {
    let kubectl = kubectl_binary(test)?;
    let dir = scratch(test);
    std::fs::write(dir.join("generators.yaml"), SCENARIO).expect("scenario");
    let mut args = vec!["generators.yaml"];
    args.extend_from_slice(extra);
    let served = Served::start(kubectl, &dir, &args);
    Some((served, dir))
}

fn jsonpath(s: &Served, what: &[&str], path: &str) -> String {
    let mut args = vec!["get"];
    args.extend_from_slice(what);
    let path = format!("jsonpath={path}");
    args.extend(["-o", path.as_str()]);
    s.ok(&args)
}

fn json(s: &Served, what: &[&str]) -> serde_json::Value {
    let mut args = vec!["get"];
    args.extend_from_slice(what);
    args.extend(["-o", "json"]);
    serde_json::from_str(&s.ok(&args)).expect("kubectl -o json prints JSON")
}

#[test]
fn generator_commands_create_what_kubectl_meant() {
    let Some((s, _dir)) = start("serve_protobuf_generators", &[]) else {
        return;
    };

    assert_eq!(
        s.ok(&["create", "namespace", "team-a"]).trim(),
        "namespace/team-a created"
    );
    assert_eq!(jsonpath(&s, &["ns", "team-a"], "{.status.phase}"), "Active");

    assert_eq!(
        s.ok(&[
            "create",
            "deployment",
            "web",
            "--image=nginx:1.27",
            "--replicas=3",
            "--port=80"
        ])
        .trim(),
        "deployment.apps/web created"
    );
    let web = json(&s, &["deployment", "web"]);
    assert_eq!(web["spec"]["replicas"], 3, "{web}");
    assert_eq!(web["spec"]["selector"]["matchLabels"]["app"], "web");
    let container = &web["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], "nginx:1.27", "{web}");
    assert_eq!(container["ports"][0]["containerPort"], 80, "{web}");
    assert_eq!(container["ports"][0]["protocol"], "TCP", "{web}");

    s.ok(&[
        "create",
        "configmap",
        "settings",
        "--from-literal=mode=fast",
        "--from-literal=level=3",
    ]);
    let keys = json(&s, &["configmap", "settings"]);
    let mut names: Vec<&String> = keys["data"].as_object().expect("data").keys().collect();
    names.sort();
    assert_eq!(names, ["level", "mode"], "{keys}");

    s.ok(&[
        "create",
        "secret",
        "generic",
        "creds",
        "--from-literal=password=s3cr3t",
    ]);
    let creds = json(&s, &["secret", "creds"]);
    assert_eq!(creds["type"], "Opaque", "{creds}");
    assert!(creds["data"].get("password").is_some(), "{creds}");

    // In its own namespace: a quota on requests would refuse the other pods' creation.
    s.ok(&[
        "create",
        "quota",
        "q",
        "-n",
        "team-a",
        "--hard=pods=20,requests.cpu=2,requests.memory=1Gi",
    ]);
    assert_eq!(
        json(&s, &["quota", "q", "-n", "team-a"])["spec"]["hard"],
        serde_json::json!({"pods": "20", "requests.cpu": "2", "requests.memory": "1Gi"})
    );

    // IntOrString both ways: an integer and a percentage.
    s.ok(&[
        "create",
        "pdb",
        "web-min",
        "--selector=app=web",
        "--min-available=2",
    ]);
    s.ok(&[
        "create",
        "pdb",
        "web-max",
        "--selector=app=web",
        "--max-unavailable=50%",
    ]);
    assert_eq!(json(&s, &["pdb", "web-min"])["spec"]["minAvailable"], 2);
    assert_eq!(
        json(&s, &["pdb", "web-max"])["spec"]["maxUnavailable"],
        "50%"
    );

    s.ok(&[
        "create",
        "priorityclass",
        "high",
        "--value=1000",
        "--description=for the front end",
    ]);
    let high = json(&s, &["priorityclass", "high"]);
    assert_eq!(high["value"], 1000);
    assert_eq!(high["description"], "for the front end");

    s.ok(&["create", "job", "once", "--image=busybox:1.36"]);
    let once = json(&s, &["job", "once"]);
    assert_eq!(
        once["spec"]["template"]["spec"]["containers"][0]["image"], "busybox:1.36",
        "{once}"
    );
    assert_eq!(once["spec"]["template"]["spec"]["restartPolicy"], "Never");

    s.ok(&[
        "create",
        "cronjob",
        "tick",
        "--image=busybox:1.36",
        "--schedule=*/5 * * * *",
    ]);
    let tick = json(&s, &["cronjob", "tick"]);
    assert_eq!(tick["spec"]["schedule"], "*/5 * * * *");
    assert_eq!(
        tick["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["image"],
        "busybox:1.36",
        "{tick}"
    );

    s.ok(&["create", "service", "clusterip", "api", "--tcp=80:8080"]);
    let api = json(&s, &["service", "api"]);
    assert_eq!(api["spec"]["ports"][0]["port"], 80, "{api}");
    assert_eq!(api["spec"]["ports"][0]["targetPort"], 8080, "{api}");

    assert_eq!(
        s.ok(&[
            "expose",
            "deployment",
            "web",
            "--port=8080",
            "--target-port=80",
            "--name=web-svc"
        ])
        .trim(),
        "service/web-svc exposed"
    );
    let svc = json(&s, &["service", "web-svc"]);
    assert_eq!(svc["spec"]["selector"]["app"], "web", "{svc}");
    assert_eq!(svc["spec"]["ports"][0]["port"], 8080, "{svc}");
    assert_eq!(svc["spec"]["ports"][0]["targetPort"], 80, "{svc}");

    s.ok(&["run", "solo", "--image=nginx:1.27", "--labels=app=web"]);

    let autoscale = s.kubectl(&[
        "autoscale",
        "deployment",
        "web",
        "--min=2",
        "--max=5",
        "--cpu-percent=70",
    ]);
    // kubectl before 1.35 writes an autoscaling/v1 object (targetCPUUtilizationPercentage),
    // later ones autoscaling/v2; either is served and read back as v2.
    assert!(autoscale.status.success(), "{:?}", texts(&autoscale));
    let hpa = json(&s, &["hpa", "web"]);
    assert_eq!(hpa["spec"]["minReplicas"], 2, "{hpa}");
    assert_eq!(hpa["spec"]["maxReplicas"], 5, "{hpa}");
    assert_eq!(hpa["spec"]["scaleTargetRef"]["name"], "web", "{hpa}");
    let target = &hpa["spec"]["metrics"][0]["resource"]["target"];
    assert_eq!(target["averageUtilization"], 70, "{hpa}");

    // The cluster acts on them: the Deployment's pods (and the lone pod) start, the Service
    // gets endpoints, the quota counts the pods.
    s.advance("30s");
    let phases = jsonpath(&s, &["pods", "-l", "app=web"], "{.items[*].status.phase}");
    assert_eq!(
        phases.split_whitespace().collect::<Vec<_>>(),
        ["Running"; 4],
        "{phases}"
    );
    let ready = jsonpath(&s, &["deployment", "web"], "{.status.readyReplicas}");
    assert_eq!(ready, "3");
    let slices = json(
        &s,
        &["endpointslices", "-l", "kubernetes.io/service-name=web-svc"],
    );
    let endpoints = slices["items"][0]["endpoints"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(endpoints, 4, "{slices}");
    let quota = json(&s, &["quota", "q", "-n", "team-a"]);
    assert_eq!(quota["status"]["hard"]["requests.memory"], "1Gi", "{quota}");
    assert_eq!(quota["status"]["used"]["pods"], "0", "{quota}");
}

/// A body that does not decode is a 400 `Status`, not a panic or a hang.
#[test]
fn a_malformed_protobuf_body_is_a_bad_request() {
    let Some((s, _dir)) = start("serve_protobuf_malformed", &[]) else {
        return;
    };
    let protobuf = "Content-Type: application/vnd.kubernetes.protobuf";
    for body in [
        "not protobuf",
        "k8s\0\x12\x7f",
        "k8s\0\x0a\x04\x0a\x02v1\x12\x02\x08",
    ] {
        let (code, answer) = s.request(
            "POST",
            "/api/v1/namespaces/default/configmaps",
            &[protobuf],
            body,
        );
        assert_eq!(code, 400, "{body:?}: {answer}");
        let status: serde_json::Value = serde_json::from_str(&answer).expect("a Status");
        assert_eq!(status["kind"], "Status");
        assert_eq!(status["reason"], "BadRequest");
        assert!(
            status["message"]
                .as_str()
                .is_some_and(|m| m.contains("protobuf")),
            "{answer}"
        );
    }
    // The server is still there.
    assert_eq!(
        s.ok(&["get", "ns", "default", "-o", "name"]).trim(),
        "namespace/default"
    );
}

/// One length-delimited protobuf field (lengths below 128: one-byte varints).
fn field(number: u8, bytes: &[u8]) -> Vec<u8> {
    let len = u8::try_from(bytes.len()).expect("a short field");
    assert!(len < 128);
    [&[number << 3 | 2, len][..], bytes].concat()
}

/// A protobuf ConfigMap `name` with one `data` entry, as a typed client sends it. Every byte
/// is below 0x80 here, so the body travels as a &str.
fn configmap_body(name: &str, key: &str, value: &str) -> String {
    let metadata = field(1, name.as_bytes());
    let entry = [field(1, key.as_bytes()), field(2, value.as_bytes())].concat();
    let raw = [field(1, &metadata), field(2, &entry)].concat();
    let type_meta = [field(1, b"v1"), field(2, b"ConfigMap")].concat();
    let body = [&b"k8s\0"[..], &field(1, &type_meta), &field(2, &raw)].concat();
    String::from_utf8(body).expect("ASCII bytes")
}

/// A PUT with a protobuf body (as typed clients' updates send it) replaces the object; the
/// answer is JSON.
#[test]
fn a_protobuf_update_replaces_the_object() {
    let Some((s, _dir)) = start("serve_protobuf_update", &[]) else {
        return;
    };
    s.ok(&[
        "create",
        "configmap",
        "settings",
        "--from-literal=mode=fast",
    ]);
    let body = configmap_body("settings", "speed", "slow");
    let (code, answer) = s.request(
        "PUT",
        "/api/v1/namespaces/default/configmaps/settings",
        &["Content-Type: application/vnd.kubernetes.protobuf"],
        &body,
    );
    assert_eq!(code, 200, "{answer}");
    let stored: serde_json::Value = serde_json::from_str(&answer).expect("a JSON answer");
    assert_eq!(stored["kind"], "ConfigMap", "{answer}");
    let data = json(&s, &["configmap", "settings"]);
    let keys: Vec<&String> = data["data"].as_object().expect("data").keys().collect();
    assert_eq!(keys, ["speed"], "{data}");
}

/// A protobuf body is read only once the bearer token is checked (plain HTTP: no kubectl).
#[test]
fn a_protobuf_body_needs_the_token_too() {
    let dir = scratch("serve_protobuf_token");
    std::fs::write(dir.join("generators.yaml"), SCENARIO).expect("scenario");
    let s = Served::start(
        std::path::PathBuf::from("kubectl"),
        &dir,
        &["generators.yaml", "--token", "s3cret"],
    );
    let path = "/api/v1/namespaces/default/configmaps";
    let protobuf = "Content-Type: application/vnd.kubernetes.protobuf";
    let body = configmap_body("settings", "mode", "fast");
    let (code, answer) = s.request("POST", path, &[protobuf], &body);
    assert_eq!(code, 401, "{answer}");
    let (code, answer) = s.request(
        "POST",
        path,
        &[protobuf, "Authorization: Bearer s3cret"],
        &body,
    );
    assert_eq!(code, 201, "{answer}");
    let created: serde_json::Value = serde_json::from_str(&answer).expect("a JSON answer");
    assert_eq!(created["metadata"]["name"], "settings", "{answer}");
    assert!(created["data"].get("mode").is_some(), "{answer}");
}

/// `create deployment` and friends under `--record`: the session replays byte for byte,
/// and the recorded objects are the decoded JSON (a Secret's data round-trips as base64).
#[test]
fn protobuf_creates_are_recorded_and_replay() {
    let dir_name = "serve_protobuf_record";
    let Some(kubectl) = kubectl_binary(dir_name) else {
        return;
    };
    let dir = scratch(dir_name);
    std::fs::write(dir.join("generators.yaml"), SCENARIO).expect("scenario");
    std::fs::create_dir_all(dir.join("out")).expect("out dir");
    let record = dir.join("out").join("session.yaml");
    let s = Served::start(
        kubectl,
        &dir,
        &[
            "generators.yaml",
            "--record",
            record.to_str().expect("utf-8 path"),
        ],
    );
    s.ok(&[
        "create",
        "deployment",
        "web",
        "--image=nginx:1.27",
        "--replicas=2",
    ]);
    s.advance("20s");
    s.ok(&[
        "create",
        "secret",
        "generic",
        "creds",
        "--from-literal=password=s3cr3t",
    ]);
    s.ok(&[
        "create",
        "configmap",
        "settings",
        "--from-literal=mode=fast",
    ]);
    s.ok(&["expose", "deployment", "web", "--port=80"]);
    s.advance("15s");
    s.ok(&["scale", "deployment/web", "--replicas=3"]);
    s.advance("30s");
    let served = s.get("/kubesim/v1/timeline");
    drop(s);

    let text = std::fs::read_to_string(&record).expect("the session was recorded");
    assert!(text.matches("apply:").count() >= 4, "{text}");
    let objects = dir.join("out").join("session.objects");
    let secret = std::fs::read_dir(&objects)
        .expect("objects were recorded")
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().contains("secret-creds"))
        .expect("the Secret was recorded");
    let secret: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(secret.path()).expect("read")).expect("JSON");
    // base64("s3cr3t")
    assert_eq!(secret["data"]["password"], "czNjcjN0", "{secret}");

    let replay = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .args(["run", "--output", "jsonl"])
        .arg(&record)
        .output()
        .expect("kubesim run");
    let (replayed, stderr) = texts(&replay);
    assert!(replay.status.success(), "replay failed: {stderr}\n{text}");
    assert!(served.lines().count() > 20, "a real session: {served}");
    assert!(
        served == replayed,
        "the replay differs from the session\n--- recorded scenario\n{text}\n--- first difference at line {}",
        served
            .lines()
            .zip(replayed.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| "end".to_string(), |i| (i + 1).to_string())
    );
}
