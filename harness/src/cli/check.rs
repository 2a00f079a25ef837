//! `wasm-compat check`: one case on one engine version, with `git bisect run`'s
//! exit codes (0 good, 1 bad, 125 cannot be tested).

use std::process::ExitCode;

use anyhow::Result;
use wasm_compat::cases;
use wasm_compat::report;
use wasm_compat::results::Status;

/// `check`'s arguments.
#[derive(clap::Args)]
pub struct Args {
    /// The case: a file under cases/ or a spec case name.
    case: String,
    /// The engine, `engine@version`, or `engine@path:DIR` for a local checkout.
    #[arg(long)]
    engine: String,
    /// How a Rust adapter that must be built is compiled, as for `bisect`:
    /// by default `probe` (the engine's crates unoptimised) for a case of
    /// standard wast,
    /// `release` for one that measures time or memory.
    #[arg(long, value_enum)]
    profile: Option<wasm_compat::builder::BuildProfile>,
    #[command(flatten)]
    matrix: super::MatrixArg,
}

/// Run the case and exit with its verdict.
pub fn run(args: Args, progress: bool) -> Result<ExitCode> {
    let matrix = args.matrix.load()?;
    let base = matrix.base_dir();
    let spec = matrix.spec_for(&args.engine)?;
    let case = cases::find_case(&base, &super::cwd_relative(&args.case))?;
    let expectations = super::expectations_of(&matrix)?;
    let profile = args
        .profile
        .unwrap_or_else(|| wasm_compat::run::probe_profile_for(&case));
    let builder = super::builder(progress)?.with_profile(profile);
    let timeout = matrix.limits.request_timeout();
    let ready = match wasm_compat::run::prepare_engine(&builder, &spec, timeout) {
        Ok(r) => r,
        Err(e) => {
            eprintln!(
                "wasm-compat check: cannot test {} (exit 125): {e:#}",
                args.engine
            );
            return Ok(ExitCode::from(125));
        }
    };
    let caps = matrix.limits.caps();
    let result = wasm_compat::run::run_single(&spec, ready, &case, caps, &expectations);
    println!("{}", report::transcript(&result));
    let (code, word) = match result.status {
        Status::Pass | Status::KnownFailure => (0, "good"),
        Status::Unsupported | Status::Error => (125, "cannot be tested"),
        // Bad once and good on a second run: neither, for `git bisect run`.
        Status::Flaky => (125, "flaky, cannot be judged"),
        _ => (1, "bad"),
    };
    eprintln!(
        "wasm-compat check: {} on {}: {} -> {word} (exit {code}){}",
        case.name,
        args.engine,
        result.status.short(),
        result
            .reason
            .as_deref()
            .map(|r| format!("\n{r}"))
            .unwrap_or_default()
    );
    Ok(ExitCode::from(code))
}
