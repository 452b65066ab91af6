//! Golden timelines of the curated scenarios (style.md §15): the rendered table must match
//! `tests/golden/<scenario>.txt` byte for byte. After a deliberate change of behaviour,
//! regenerate with `UPDATE_GOLDEN=1 cargo test --test golden` and review the diff like code.

mod common;

use sim_scenarios::render::{render_table, TableOptions};
use sim_scenarios::run::{run, RunOptions};
use sim_scenarios::scenario::load_scenario;

fn check(name: &str) {
    let root = common::root();
    let scenario = load_scenario(&root.join("scenarios").join(format!("{name}.yaml")))
        .unwrap_or_else(|e| panic!("{name} loads: {e}"));
    let report = run(&scenario, &RunOptions::default()).expect("runs");
    assert!(report.passed(), "{name}: expectations hold");
    let mut text = String::new();
    render_table(
        report.simulation.timeline(),
        &TableOptions { show_ids: true },
        &mut text,
    );
    let path = root
        .join("tests")
        .join("golden")
        .join(format!("{name}.txt"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("golden dir");
        }
        std::fs::write(&path, &text).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_GOLDEN=1", path.display()));
    if expected != text {
        let first = expected
            .lines()
            .zip(text.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(text.lines().count()));
        panic!(
            "{name}: timeline differs from {} at line {}:\n  golden: {}\n  actual: {}\n(UPDATE_GOLDEN=1 to accept)",
            path.display(),
            first + 1,
            expected.lines().nth(first).unwrap_or("<end>"),
            text.lines().nth(first).unwrap_or("<end>")
        );
    }
}

#[test]
fn quickstart_golden() {
    check("quickstart");
}

/// G4's restart sequence, as a timeline.
#[test]
fn crashloop_golden() {
    check("crashloop");
}

/// G3's liveness kill at 50 s, as a timeline.
#[test]
fn liveness_golden() {
    check("liveness");
}

/// G14's rolling-update waves, as a timeline.
#[test]
fn rollout_golden() {
    check("rollout");
}

/// The `.yaml` scenarios of `scenarios/<folder>/`, sorted by name.
fn scenarios_in(folder: &str) -> Vec<String> {
    let dir = common::root().join("scenarios").join(folder);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("scenarios/{folder} exists: {e}"))
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().to_string();
            name.strip_suffix(".yaml").map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

/// Every lesson of `scenarios/lessons/` (G1–G12, G37, G45 as a learner meets them), each
/// against `tests/golden/lessons/<lesson>.txt`; a new lesson needs its golden file.
#[test]
fn lessons_golden() {
    let lessons = scenarios_in("lessons");
    assert!(lessons.len() >= 10, "at least ten lessons: {lessons:?}");
    for lesson in lessons {
        check(&format!("lessons/{lesson}"));
    }
}

/// Every what-if of `scenarios/what-if/` (G17, G39, ...), each against
/// `tests/golden/what-if/<scenario>.txt`.
#[test]
fn what_if_golden() {
    let scenarios = scenarios_in("what-if");
    assert!(scenarios.len() >= 2, "what-if scenarios: {scenarios:?}");
    for scenario in scenarios {
        check(&format!("what-if/{scenario}"));
    }
}
