//! `kubesim serve` and `kubesim clock`: the command line of the sim-serve crate.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use sim_core::duration::parse_go_duration;
use sim_scenarios::run::{build, RunOptions};
use sim_scenarios::scenario::Scenario;
use sim_scenarios::source::InputErrors;
use sim_serve::{clock_advance, read_kubeconfig, serve, Origin, ServeOptions};

use crate::Input;

/// `kubesim serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    input: Input,
    /// Port on 127.0.0.1; 0 picks a free one (printed on the first line).
    #[arg(long, default_value_t = 6443)]
    port: u16,
    /// Simulated seconds per wall second.
    #[arg(long, default_value_t = 1.0, conflicts_with = "paused")]
    speed: f64,
    /// Keep simulated time still until `kubesim clock advance DURATION`.
    #[arg(long)]
    paused: bool,
    /// Where to write the kubeconfig for kubectl.
    #[arg(long, default_value = "kubesim.kubeconfig")]
    kubeconfig: PathBuf,
    /// Write the session as a scenario that `kubesim run` replays to the same timeline.
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// Listen on this address instead of 127.0.0.1 (needs --token).
    #[arg(long, requires = "token")]
    address: Option<IpAddr>,
    /// Bearer token clients must present (written into the kubeconfig).
    #[arg(long)]
    token: Option<String>,
    /// Stop after this much wall time (Go duration), e.g. in scripts.
    #[arg(long, value_name = "DURATION")]
    exit_after: Option<String>,
    /// Serve instants as `kubesim run` prints them, from 2026-01-01T00:00:00Z + simulated
    /// time. By default simulated now reads as the wall clock's now, so the ages kubectl
    /// computes itself (`describe`, `top`) are simulated ages.
    #[arg(long)]
    fixed_epoch: bool,
}

/// `kubesim clock ...`.
#[derive(clap::Subcommand)]
pub enum ClockCommand {
    /// Move simulated time forward by DURATION (Go duration, e.g. 30s or 5m).
    Advance {
        /// How far.
        duration: String,
        /// The kubeconfig `kubesim serve` wrote (default: $KUBECONFIG, else
        /// ./kubesim.kubeconfig).
        #[arg(long)]
        kubeconfig: Option<PathBuf>,
    },
}

/// Runs `kubesim serve`.
pub fn serve_command(
    args: &ServeArgs,
    load: fn(&Input) -> Result<Scenario, InputErrors>,
) -> ExitCode {
    let scenario = match load(&args.input) {
        Ok(s) => s,
        Err(e) => {
            for e in &e.0 {
                eprintln!("error: {e}");
            }
            return ExitCode::from(2);
        }
    };
    for w in &scenario.warnings {
        eprintln!("warning: {w}");
    }
    let exit_after = match args.exit_after.as_deref().map(parse_go_duration) {
        None => None,
        Some(Ok(d)) => Some(Duration::from_millis(d.as_millis())),
        Some(Err(e)) => {
            eprintln!("error: --exit-after: {e}");
            return ExitCode::from(2);
        }
    };
    let sim = match build(&scenario, &RunOptions::default()) {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("error: the simulation cannot start: {e}");
            return ExitCode::from(2);
        }
    };
    let origin = match &args.input.scenario {
        Some(path) => Origin::Scenario(path.clone()),
        None => Origin::Manifests(args.input.files.clone()),
    };
    let mut options = ServeOptions {
        port: args.port,
        speed: args.speed,
        paused: args.paused,
        kubeconfig: args.kubeconfig.clone(),
        token: args.token.clone(),
        record: args.record.clone(),
        exit_after,
        fixed_epoch: args.fixed_epoch,
        ..ServeOptions::default()
    };
    if let Some(address) = args.address {
        options.address = address;
    }
    match serve(sim, &options, &origin, &mut std::io::stdout()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Runs `kubesim clock ...`.
pub fn clock_command(command: &ClockCommand) -> ExitCode {
    match command {
        ClockCommand::Advance {
            duration,
            kubeconfig,
        } => {
            let kubeconfig = kubeconfig.clone().unwrap_or_else(|| {
                std::env::var_os("KUBECONFIG")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| PathBuf::from("kubesim.kubeconfig"))
            });
            let text = match std::fs::read_to_string(&kubeconfig) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("error: cannot read {}: {e}", kubeconfig.display());
                    return ExitCode::from(2);
                }
            };
            let Some((server, token)) = read_kubeconfig(&text) else {
                eprintln!("error: {} names no server", kubeconfig.display());
                return ExitCode::from(2);
            };
            match clock_advance(&server, token.as_deref(), duration) {
                Ok(answer) => {
                    println!("{answer}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}
