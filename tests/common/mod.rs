//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the kubesim binary with `args` from the repository root.
pub fn kubesim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the kubesim binary runs")
}

/// A fresh scratch directory under the target directory, unique per test name.
pub fn scratch(name: &str) -> PathBuf {
    let dir = root().join("target").join("test-scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write fixture");
    path
}

/// stdout and stderr as text.
pub fn texts(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).to_string(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

/// Parses the scenario `text` (named `file`, manifests relative to `dir`) and builds its
/// simulation, ready to run; panics with the errors if it is not valid.
pub fn build_simulation(file: &str, text: &str, dir: &Path) -> sim_core::sim::Simulation {
    let scenario = sim_scenarios::scenario::parse_scenario(file, text, dir)
        .unwrap_or_else(|e| panic!("scenario is valid: {e}\n{text}"));
    sim_scenarios::run::build(&scenario, &sim_scenarios::run::RunOptions::default())
        .expect("builds")
}

/// A field of the object of `kind` at `key`, as the API shows it, as text: `<absent>` when
/// the field is unset, `<gone>` when the object does not exist.
pub fn object_field(
    sim: &sim_core::sim::Simulation,
    kind: sim_core::objects::Kind,
    key: &sim_core::objects::ObjectKey,
    path: &str,
) -> String {
    let Some(value) = sim_scenarios::view::lookup(sim.store(), kind, key) else {
        return "<gone>".to_string();
    };
    match sim_scenarios::view::field_value(&value, path).expect("valid path") {
        Some(v) => sim_scenarios::view::value_to_text(v),
        None => "<absent>".to_string(),
    }
}
