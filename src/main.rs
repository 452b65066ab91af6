//! The `kubesim` command line: a thin shell over sim-scenarios and sim-core.
//!
//! Exit codes: 0 success; 1 an expectation failed (a one-line reproduce command is printed);
//! 2 bad input (a located message) or a run that could not complete.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod serve_cmd;
use sim_core::duration::parse_go_duration;
use sim_core::objects::{Kind, ObjectKey, ObjectRef};
use sim_core::sim::Simulation;
use sim_core::time::SimTime;
use sim_scenarios::compare::{compare, render_comparison};
use sim_scenarios::describe::{describe, DESCRIBABLE};
use sim_scenarios::explain::explain_with;
use sim_scenarios::render::{render_jsonl, render_table, TableOptions};
use sim_scenarios::rollout::{rollout_history, rollout_status, HistoryError, Outcome};
use sim_scenarios::run::{build, run, RunOptions};
use sim_scenarios::scenario::{load_scenario, scenario_from_manifests, Scenario};
use sim_scenarios::scheduler_config::{parse_scheduler_arg, SchedulerChoice};
use sim_scenarios::source::InputErrors;
use sim_scenarios::tables::{get_tables, GetOptions};

#[derive(Parser)]
#[command(
    name = "kubesim",
    version,
    about = "A deterministic discrete-event simulator of a Kubernetes cluster",
    long_about = "kubesim reads real Kubernetes manifests and a scenario (cluster shape, how each app behaves, what happens when, what to expect), simulates the control plane and the kubelets on a virtual clock, and prints the timeline of every state transition with its reason and cause."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the input comes from: a scenario file, or plain manifests on the default cluster.
#[derive(clap::Args)]
struct Input {
    /// The scenario file.
    #[arg(required_unless_present = "files", conflicts_with = "files")]
    scenario: Option<PathBuf>,
    /// Manifest files or folders to simulate as `kubectl apply -f` would, on the default
    /// cluster (3 nodes of 4 CPU / 16Gi / 110 pods) for 10 minutes. Repeatable.
    #[arg(short = 'f', long = "filename", value_name = "FILE_OR_DIR")]
    files: Vec<PathBuf>,
    /// The scheduler: a built-in policy (default, binpack, spread, random, first-fit) or a
    /// KubeSchedulerConfiguration file; overrides the scenario's `spec.scheduler`.
    #[arg(long, value_name = "NAME|FILE")]
    scheduler: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    /// A readable timeline.
    Table,
    /// One JSON record per transition or event.
    Jsonl,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate a scenario and print its timeline.
    Run {
        #[command(flatten)]
        input: Input,
        /// Root seed (overrides the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Stop at this simulated time (Go duration, e.g. 5m) instead of the scenario's end.
        #[arg(long)]
        until: Option<String>,
        /// Timeline format.
        #[arg(long, value_enum, default_value = "table")]
        output: OutputFormat,
        /// Write the timeline to this file (whole or not at all) instead of stdout.
        #[arg(short = 'o', long = "output-file", value_name = "FILE")]
        output_file: Option<PathBuf>,
        /// Show record ids and causes in the table.
        #[arg(long)]
        ids: bool,
        /// Run the invariant checkers (no overcommitted node, no pod bound twice, time
        /// monotone) on every change.
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        probes: ProbeFlags,
    },
    /// Run a scenario once per scheduler (same seed) and print the placement quality of
    /// each side by side: `kubesim compare SCENARIO --scheduler binpack --scheduler spread`.
    Compare {
        /// The scenario file.
        scenario: PathBuf,
        /// A built-in policy (default, binpack, spread, random, first-fit) or a
        /// KubeSchedulerConfiguration file. Repeat for each scheduler to compare.
        #[arg(long, value_name = "NAME|FILE", required = true)]
        scheduler: Vec<String>,
        /// Root seed (overrides the scenario's).
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Check a scenario (and its manifests) without running it.
    Validate {
        #[command(flatten)]
        input: Input,
    },
    /// kubectl-style tables of the simulated objects at an instant: `kubesim get pods --at 2m`.
    Get {
        /// What to show: pods, nodes, deployments, replicasets (kubectl names and short
        /// names; several separated by commas, like `pods,nodes`).
        resources: String,
        #[command(flatten)]
        snapshot: Snapshot,
        /// All namespaces (adds a NAMESPACE column).
        #[arg(short = 'A', long = "all-namespaces")]
        all_namespaces: bool,
    },
    /// One object in detail at an instant, laid out as `kubectl describe` does, with its
    /// events: `kubesim describe pod api --at 2m scenarios/liveness.yaml`.
    Describe {
        /// What to describe: pod, node, deployment or replicaset (kubectl names and short
        /// names).
        kind: String,
        /// The object's name.
        name: String,
        #[command(flatten)]
        snapshot: Snapshot,
    },
    /// The story of an object up to an instant: each transition, the rule behind it and its
    /// numbers: `kubesim explain pod/api --at 2m scenarios/liveness.yaml`.
    Explain {
        /// The object as KIND/NAME, e.g. pod/api or deployment/web.
        object: String,
        #[command(flatten)]
        snapshot: Snapshot,
    },
    /// A Deployment's rollout at an instant, as `kubectl rollout status` and
    /// `kubectl rollout history` print it: `kubesim rollout status deployment/api --at 1m5s
    /// scenarios/rollout.yaml`.
    Rollout {
        #[command(subcommand)]
        command: RolloutCommand,
    },
    /// Serve the simulated cluster over the Kubernetes API so the real kubectl drives it:
    /// `kubesim serve SCENARIO --paused`, then `KUBECONFIG=kubesim.kubeconfig kubectl get pods`.
    Serve(serve_cmd::ServeArgs),
    /// The clock of a running `kubesim serve`: `kubesim clock advance 30s`.
    Clock {
        #[command(subcommand)]
        command: serve_cmd::ClockCommand,
    },
}

/// Options shared by the `rollout` subcommands.
#[derive(clap::Args)]
struct RolloutArgs {
    /// The Deployment as deployment/NAME (also deploy/NAME, deployments/NAME).
    object: String,
    #[command(flatten)]
    snapshot: Snapshot,
}

/// Where and when to look: the input, run to `--at`, in a namespace, with a seed (shared by
/// `get`, `describe`, `explain` and `rollout`).
#[derive(clap::Args)]
struct Snapshot {
    #[command(flatten)]
    input: Input,
    /// The simulated instant (Go duration; default: the end of the scenario).
    #[arg(long)]
    at: Option<String>,
    /// Namespace.
    #[arg(short = 'n', long, default_value = "default")]
    namespace: String,
    /// Root seed (overrides the scenario's).
    #[arg(long)]
    seed: Option<u64>,
}

#[derive(Subcommand)]
enum RolloutCommand {
    /// What `kubectl rollout status` would print at `--at`: a `Waiting for ...` line (exit 0),
    /// `deployment "x" successfully rolled out` (exit 0), or `error: deployment "x" exceeded
    /// its progress deadline` (exit 1). Unlike kubectl it does not block until the rollout
    /// ends: time is simulated, so it reads the status once, at the instant asked for.
    #[command(
        long_about = "What `kubectl rollout status` would print at `--at`: a `Waiting for ...` line (exit 0), `deployment \"x\" successfully rolled out` (exit 0), or `error: deployment \"x\" exceeded its progress deadline` (exit 1).\n\nUnlike kubectl it does not block until the rollout ends: time is simulated, so it reads the status once, at the instant asked for (run it at later instants to follow the rollout)."
    )]
    Status {
        #[command(flatten)]
        args: RolloutArgs,
    },
    /// The Deployment's revisions (one per ReplicaSet) with their CHANGE-CAUSE, as
    /// `kubectl rollout history` prints them; `--revision N` shows that revision's pod
    /// template.
    History {
        #[command(flatten)]
        args: RolloutArgs,
        /// Show the pod template of this revision.
        #[arg(long)]
        revision: Option<u64>,
    },
}

fn load(input: &Input) -> Result<Scenario, InputErrors> {
    let mut scenario = match &input.scenario {
        Some(path) => load_scenario(path)?,
        None => scenario_from_manifests(&input.files)?,
    };
    if let Some(arg) = &input.scheduler {
        scenario.scheduler = parse_scheduler_arg(arg, Path::new(""))?;
        if let SchedulerChoice::Config(config) = &scenario.scheduler {
            scenario.warnings.extend(config.warnings.iter().cloned());
        }
    }
    Ok(scenario)
}

fn compare_command(scenario: &Path, schedulers: &[String], seed: Option<u64>) -> ExitCode {
    let scenario = match load_scenario(scenario) {
        Ok(s) => s,
        Err(e) => return report_input_errors(&e),
    };
    warn(&scenario);
    let mut choices = Vec::new();
    for arg in schedulers {
        match parse_scheduler_arg(arg, Path::new("")) {
            Ok(choice) => {
                if let SchedulerChoice::Config(config) = &choice {
                    for w in &config.warnings {
                        eprintln!("warning: {w}");
                    }
                }
                choices.push(choice);
            }
            Err(e) => return report_input_errors(&e),
        }
    }
    let options = RunOptions {
        seed,
        ..RunOptions::default()
    };
    match compare(&scenario, &choices, &options) {
        Ok(reports) => {
            out(&format!(
                "# {} (seed {}), at {}\n{}",
                scenario.name,
                seed.unwrap_or(scenario.seed),
                scenario.duration,
                render_comparison(&reports)
            ));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: the simulation stopped: {e}");
            ExitCode::from(2)
        }
    }
}

fn report_input_errors(errors: &InputErrors) -> ExitCode {
    for e in &errors.0 {
        eprintln!("error: {e}");
    }
    ExitCode::from(2)
}

fn warn(scenario: &Scenario) {
    for w in &scenario.warnings {
        eprintln!("warning: {w}");
    }
}

/// Writes `contents` to `path` whole or not at all: a temporary file beside it, then rename.
fn write_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "timeline".to_string());
    let tmp = dir.join(format!(".{name}.kubesim-tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(contents.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes to stdout; a closed pipe (`kubesim run ... | head`) ends the output quietly.
fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write the output: {e}");
        }
    }
}

fn reproduce_command(input: &Input, seed: u64) -> String {
    let command = reproduce_input(input, seed);
    match &input.scheduler {
        Some(scheduler) => format!("{command} --scheduler {scheduler}"),
        None => command,
    }
}

fn reproduce_input(input: &Input, seed: u64) -> String {
    match &input.scenario {
        Some(path) => format!("kubesim run {} --seed {seed}", path.display()),
        None => {
            let files: Vec<String> = input
                .files
                .iter()
                .map(|f| format!("-f {}", f.display()))
                .collect();
            format!("kubesim run {} --seed {seed}", files.join(" "))
        }
    }
}

/// How probe workers are simulated.
#[derive(clap::Args, Debug, Clone, Copy)]
struct ProbeFlags {
    /// Record every probe tick on the timeline (records of type `probe`); implies
    /// --eager-probes.
    #[arg(long)]
    trace_probes: bool,
    /// Simulate every probe tick as an event. The timeline is the same as with the default
    /// lazy probes, which only wake at ticks that change something; this is slower.
    #[arg(long)]
    eager_probes: bool,
    /// Probe ticker phase: `canonical` (ticks at container start + k × period) or `seeded`
    /// (drawn from the seed); overrides the scenario's `probePhase`.
    #[arg(long, value_enum)]
    probe_phase: Option<ProbePhase>,
}

/// `--probe-phase` values.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum ProbePhase {
    Canonical,
    Seeded,
}

#[allow(clippy::too_many_arguments)]
fn run_command(
    input: &Input,
    seed: Option<u64>,
    until: Option<&str>,
    output: OutputFormat,
    output_file: Option<&Path>,
    ids: bool,
    check: bool,
    probes: ProbeFlags,
) -> ExitCode {
    let scenario = match load(input) {
        Ok(s) => s,
        Err(e) => return report_input_errors(&e),
    };
    warn(&scenario);
    let until = match until.map(parse_go_duration).transpose() {
        Ok(d) => d.map(|d| SimTime::ZERO + d),
        Err(e) => {
            eprintln!("error: --until: {e}");
            return ExitCode::from(2);
        }
    };
    let options = RunOptions {
        seed,
        until,
        check_invariants: check,
        eager_probes: probes.eager_probes,
        trace_probes: probes.trace_probes,
        seeded_probe_phase: probes.probe_phase.map(|p| p == ProbePhase::Seeded),
    };
    let report = match run(&scenario, &options) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: the simulation stopped: {e}");
            eprintln!(
                "reproduce: {}{}",
                reproduce_command(input, seed.unwrap_or(scenario.seed)),
                if check { " --check" } else { "" }
            );
            return ExitCode::from(2);
        }
    };
    let mut text = String::new();
    match output {
        OutputFormat::Table => render_table(
            report.simulation.timeline(),
            &TableOptions { show_ids: ids },
            &mut text,
        ),
        OutputFormat::Jsonl => render_jsonl(report.simulation.timeline(), &mut text),
    }
    // The summary goes where it cannot corrupt machine-readable output.
    let mut summary = String::new();
    let stats = report.simulation.stats();
    summary.push_str(&format!(
        "# {} (seed {}): simulated {} in {} events, {} timeline records\n",
        scenario.name, report.seed, report.end, stats.events, stats.records
    ));
    sim_scenarios::availability::render_availability(
        &sim_scenarios::availability::availability(
            report.simulation.store(),
            report.simulation.timeline(),
            report.end,
        ),
        &mut summary,
    );
    if !report.outcomes.is_empty() {
        for o in &report.outcomes {
            let mark = if o.passed { "ok  " } else { "FAIL" };
            summary.push_str(&format!("{mark} {}\n", o.detail));
        }
        let failed = report.outcomes.iter().filter(|o| !o.passed).count();
        summary.push_str(&format!(
            "expectations: {} passed, {failed} failed\n",
            report.outcomes.len() - failed
        ));
    }
    match output_file {
        Some(path) => {
            if let Err(e) = write_atomically(path, &text) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::from(2);
            }
            out(&summary);
        }
        None => match output {
            OutputFormat::Table => out(&format!("{text}\n{summary}")),
            OutputFormat::Jsonl => {
                out(&text);
                eprint!("{summary}");
            }
        },
    }
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        eprintln!("reproduce: {}", reproduce_command(input, report.seed));
        ExitCode::from(1)
    }
}

/// Loads the input and runs its simulation to `--at` (default and cap: the end of the
/// scenario), as `get`, `describe`, `explain` and `rollout` need it. A failure has been
/// reported on stderr; the exit code is returned.
fn simulate_to(snapshot: &Snapshot) -> Result<(Simulation, SimTime, Scenario), ExitCode> {
    let (at, seed) = (snapshot.at.as_deref(), snapshot.seed);
    let scenario = load(&snapshot.input).map_err(|e| report_input_errors(&e))?;
    warn(&scenario);
    let until = match at.map(parse_go_duration).transpose() {
        Ok(None) => scenario.duration,
        Ok(Some(d)) if SimTime::ZERO + d > scenario.duration => {
            eprintln!(
                "error: --at {}: after the end of the scenario, which simulates {} (its \
                 spec.duration)",
                at.unwrap_or_default(),
                scenario.duration
            );
            return Err(ExitCode::from(2));
        }
        Ok(Some(d)) => SimTime::ZERO + d,
        Err(e) => {
            eprintln!("error: --at: {e}");
            return Err(ExitCode::from(2));
        }
    };
    let options = RunOptions {
        seed,
        ..RunOptions::default()
    };
    let mut sim = match build(&scenario, &options) {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("error: {e}");
            return Err(ExitCode::from(2));
        }
    };
    if let Err(e) = sim.run_until(until) {
        eprintln!("error: the simulation stopped: {e}");
        return Err(ExitCode::from(2));
    }
    Ok((sim, until, scenario))
}

/// The kind named on the command line, if `accepted` holds it; otherwise the error is
/// reported, naming what is accepted.
fn parse_kind(text: &str, accepted: &[Kind]) -> Result<Kind, ExitCode> {
    match Kind::parse(text.trim()).filter(|k| accepted.contains(k)) {
        Some(kind) => Ok(kind),
        None => {
            let names: Vec<String> = accepted.iter().map(|k| k.plural()).collect();
            eprintln!(
                "error: the server doesn't have a resource type {:?} (kubesim can show {})",
                text.trim(),
                names.join(", ")
            );
            Err(ExitCode::from(2))
        }
    }
}

/// `kubesim describe KIND NAME`: runs the scenario to `--at` and describes the object.
fn describe_command(kind: &str, name: &str, snapshot: &Snapshot) -> ExitCode {
    let kind = match parse_kind(kind, &DESCRIBABLE) {
        Ok(kind) => kind,
        Err(code) => return code,
    };
    let (sim, until, _) = match simulate_to(snapshot) {
        Ok(run) => run,
        Err(code) => return code,
    };
    let key = ObjectKey::new(snapshot.namespace.as_str(), name);
    match describe(sim.store(), sim.timeline(), kind, &key, until) {
        Ok(text) => {
            out(&text);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

/// Splits `KIND/NAME` as kubectl does, reporting a malformed one (with `example`).
fn split_object<'a>(object: &'a str, example: &str) -> Result<(&'a str, &'a str), ExitCode> {
    match object
        .split_once('/')
        .filter(|(k, n)| !k.is_empty() && !n.is_empty() && !n.contains('/'))
    {
        Some(parts) => Ok(parts),
        None => {
            eprintln!("error: arguments in resource/name form must have a single resource and name (for example {example}), found {object:?}");
            Err(ExitCode::from(2))
        }
    }
}

/// `kubesim explain KIND/NAME`: runs the scenario to `--at` and tells the object's story.
fn explain_command(object: &str, snapshot: &Snapshot) -> ExitCode {
    let (kind, name) = match split_object(object, "pod/api") {
        Ok(parts) => parts,
        Err(code) => return code,
    };
    let kind = match parse_kind(kind, &Kind::ALL) {
        Ok(kind) => kind,
        Err(code) => return code,
    };
    let (sim, until, scenario) = match simulate_to(snapshot) {
        Ok(run) => run,
        Err(code) => return code,
    };
    let object = ObjectRef::new(kind, ObjectKey::new(snapshot.namespace.as_str(), name));
    // The scenario gives the spec of pods already gone and their behaviour (preStop times).
    match explain_with(sim.store(), sim.timeline(), &object, until, Some(&scenario)) {
        Ok(text) => {
            out(&text);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

/// `kubesim rollout status|history deployment/NAME`: runs the scenario to `--at` and prints
/// what kubectl would.
fn rollout_command(args: &RolloutArgs, history: Option<Option<u64>>) -> ExitCode {
    let (kind, name) = match split_object(&args.object, "deployment/api") {
        Ok(parts) => parts,
        Err(code) => return code,
    };
    if let Err(code) = parse_kind(kind, &[Kind::Deployment]) {
        return code;
    }
    let (sim, _, _) = match simulate_to(&args.snapshot) {
        Ok(run) => run,
        Err(code) => return code,
    };
    let key = ObjectKey::new(args.snapshot.namespace.as_str(), name);
    match history {
        None => match rollout_status(sim.store(), &key) {
            Ok(status) if status.outcome == Outcome::Failed => {
                eprintln!("error: {}", status.text);
                ExitCode::from(1)
            }
            Ok(status) => {
                out(&status.text);
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(2)
            }
        },
        Some(revision) => match rollout_history(sim.store(), &key, revision) {
            Ok(text) => {
                out(&text);
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(match e {
                    HistoryError::NotFound(_) => 2,
                    HistoryError::NoSuchRevision(_) => 1,
                })
            }
        },
    }
}

/// `kubesim get`: runs the scenario to `--at` and prints kubectl-style tables.
fn get_command(resources: &str, snapshot: &Snapshot, all_namespaces: bool) -> ExitCode {
    let namespace = (!all_namespaces).then_some(snapshot.namespace.as_str());
    let mut kinds = Vec::new();
    for name in resources.split(',') {
        match Kind::parse(name.trim()) {
            Some(kind) => kinds.push(kind),
            None => {
                let known: Vec<String> = Kind::ALL.iter().map(|k| k.plural()).collect();
                eprintln!(
                    "error: the server doesn't have a resource type {:?} (kubesim simulates {})",
                    name.trim(),
                    known.join(", ")
                );
                return ExitCode::from(2);
            }
        }
    }
    let (sim, until, _) = match simulate_to(snapshot) {
        Ok(run) => run,
        Err(code) => return code,
    };
    let mut text = String::new();
    let options = GetOptions {
        namespace,
        prefix_kind: kinds.len() > 1,
    };
    get_tables(sim.store(), &kinds, options, until, &mut text);
    out(&text);
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Run {
            input,
            seed,
            until,
            output,
            output_file,
            ids,
            check,
            probes,
        } => run_command(
            &input,
            seed,
            until.as_deref(),
            output,
            output_file.as_deref(),
            ids,
            check,
            probes,
        ),
        Command::Get {
            resources,
            snapshot,
            all_namespaces,
        } => get_command(&resources, &snapshot, all_namespaces),
        Command::Describe {
            kind,
            name,
            snapshot,
        } => describe_command(&kind, &name, &snapshot),
        Command::Explain { object, snapshot } => explain_command(&object, &snapshot),
        Command::Serve(args) => serve_cmd::serve_command(&args, load),
        Command::Clock { command } => serve_cmd::clock_command(&command),
        Command::Rollout { command } => match command {
            RolloutCommand::Status { args } => rollout_command(&args, None),
            RolloutCommand::History { args, revision } => rollout_command(&args, Some(revision)),
        },
        Command::Compare {
            scenario,
            scheduler,
            seed,
        } => compare_command(&scenario, &scheduler, seed),
        Command::Validate { input } => match load(&input) {
            Ok(s) => {
                warn(&s);
                out(&format!(
                    "{}: valid ({} nodes, {} objects, {} events, {} expectations)\n",
                    s.source,
                    s.nodes.len(),
                    s.initial.len(),
                    s.actions.len(),
                    s.expectations.len()
                ));
                ExitCode::SUCCESS
            }
            Err(e) => report_input_errors(&e),
        },
    }
}
