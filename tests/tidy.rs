//! Tidy checks (style.md §4, §20): bans that keep the engine deterministic and the tree
//! honest, enforced by reading the source. clippy.toml bans the same APIs where the
//! compiler sees them; this test also catches them in macros and comments-free code paths
//! clippy does not lint, and in files clippy is not run on.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn code_lines(path: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(path).expect("readable source file");
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let t = l.trim_start();
            !t.starts_with("//")
        })
        .map(|(i, l)| (i + 1, l.to_string()))
        .collect()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every code line (comments skipped) under `dirs` containing one of `words`, as
/// `file:line: text`. This file is skipped: it names the words it bans.
fn find(dirs: &[&str], words: &[&str]) -> Vec<String> {
    let mut files = Vec::new();
    for dir in dirs {
        rust_files(&root().join(dir), &mut files);
    }
    assert!(!files.is_empty(), "{dirs:?} hold Rust files");
    let mut hits = Vec::new();
    for file in files.iter().filter(|f| !f.ends_with("tidy.rs")) {
        for (n, line) in code_lines(file) {
            if words.iter().any(|w| line.contains(w)) {
                hits.push(format!("{}:{n}: {}", file.display(), line.trim()));
            }
        }
    }
    hits
}

#[test]
fn engine_uses_no_nondeterministic_apis() {
    let hits = find(
        &["sim-core/src"],
        &[
            "HashMap",
            "HashSet",
            "Instant::now",
            "SystemTime",
            "std::thread",
            "thread_rng",
            "rand::random",
            "rand::rng(",
            "from_entropy",
            "from_os_rng",
            "StdRng",
            "SmallRng",
            "OsRng",
        ],
    );
    assert!(
        hits.is_empty(),
        "nondeterministic APIs in sim-core:\n{}",
        hits.join("\n")
    );
}

#[test]
fn engine_does_no_io() {
    let hits = find(
        &["sim-core/src"],
        &[
            "std::fs",
            "std::io::stdin",
            "println!",
            "eprintln!",
            "std::net",
            "std::env",
        ],
    );
    assert!(
        hits.is_empty(),
        "I/O in the pure core:\n{}",
        hits.join("\n")
    );
}

#[test]
fn no_placeholders_or_unsafe_anywhere() {
    let hits = find(
        &[
            "sim-core/src",
            "sim-scenarios/src",
            "sim-serve/src",
            "src",
            "benches",
            "tests",
        ],
        &["todo!(", "unimplemented!(", "unsafe {", "unsafe fn"],
    );
    assert!(
        hits.is_empty(),
        "placeholders or unsafe code:\n{}",
        hits.join("\n")
    );
}

#[test]
fn lockfile_is_committed_and_every_scenario_checks_something() {
    assert!(
        root().join("Cargo.lock").is_file(),
        "Cargo.lock must be committed"
    );
    let dir = root().join("scenarios");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("scenarios/ exists") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "yaml") {
            count += 1;
            let text = std::fs::read_to_string(&path).expect("readable scenario");
            assert!(
                text.contains("\n  expect:"),
                "{} has no expectations: every curated scenario must be a test",
                path.display()
            );
        }
    }
    assert!(count >= 3, "scenarios/ holds at least three scenarios");
}
