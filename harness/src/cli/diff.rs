//! `wasm-compat diff A B`: the upgrade report between two engine versions,
//! from stored results, running only the versions that have none.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use wasm_compat::cases;
use wasm_compat::engine_id::EngineId;
use wasm_compat::outputs::Outputs;
use wasm_compat::report::{self, LoadedRun, Table};
use wasm_compat::run::{execute, Job};
use wasm_compat::snapshot::Snapshots;

/// `diff`'s arguments.
#[derive(clap::Args)]
pub struct Args {
    /// The version upgraded from, e.g. wasmtime@36.0.20.
    from: String,
    /// The version upgraded to, e.g. wasmtime@48.0.8.
    to: String,
    /// Results files to read (default: target/wasm-compat/results.json.gz).
    #[arg(long)]
    results: Vec<PathBuf>,
    #[command(flatten)]
    matrix: super::MatrixArg,
}

/// Print the upgrade report; exit 1 when anything differs.
pub fn run(args: Args, progress: bool) -> Result<ExitCode> {
    let a: EngineId = args.from.parse()?;
    let b: EngineId = args.to.parse()?;
    let outputs = Outputs::from_env();
    let inputs = if args.results.is_empty() {
        let d = outputs.results(None);
        if d.exists() {
            vec![d]
        } else {
            Vec::new()
        }
    } else {
        args.results.clone()
    };
    let mut runs = if inputs.is_empty() {
        Vec::new()
    } else {
        report::load(&inputs)?
    };
    let have = |runs: &[LoadedRun], id: &EngineId| {
        runs.iter()
            .any(|r| r.run.results.iter().any(|c| &c.engine == id))
    };
    let missing: Vec<String> = [(&a, &args.from), (&b, &args.to)]
        .into_iter()
        .filter(|(id, _)| !have(&runs, id))
        .map(|(_, name)| name.clone())
        .collect();
    if !missing.is_empty() {
        runs.push(run_missing(&args.matrix, &missing, &outputs, progress)?);
    }
    let table = Table::merge(&runs)?;
    let diff = report::diff::compare(&table, &a, &b);
    print!(
        "{}",
        report::diff::render(&diff, std::io::IsTerminal::is_terminal(&std::io::stdout()))
    );
    Ok(super::exit(!diff.differs()))
}

/// Run the matrix's cases on the engines named in `missing` and keep their results.
fn run_missing(
    matrix: &super::MatrixArg,
    missing: &[String],
    outputs: &Outputs,
    progress: bool,
) -> Result<LoadedRun> {
    let matrix = matrix.load()?;
    let base = matrix.base_dir();
    let specs = missing
        .iter()
        .map(|name| matrix.spec_for(name))
        .collect::<Result<Vec<_>>>()?;
    let ids: Vec<EngineId> = specs.iter().map(|s| s.id.clone()).collect();
    eprintln!(
        "wasm-compat: no stored results for {}; running them",
        missing.join(", ")
    );
    let builder = super::builder(progress)?;
    super::check_versions(&builder, &matrix, &specs)?;
    let expectations = super::expectations_of(&matrix)?;
    let job = Job {
        engines: specs,
        cases: cases::all_cases(&base, &matrix.suites)?,
        reference: matrix.reference.clone(),
        caps: matrix.limits.caps(),
        expectations: &expectations,
        jobs: super::cores(),
        progress,
        snapshots: Snapshots::Read(base.clone()),
        shard: None,
        done: Vec::new(),
        recorder: None,
    };
    let outcome = execute(&builder, &job)?;
    let path = outputs.results_of(&ids);
    outcome.write(&path)?;
    eprintln!("wasm-compat: their results: {}", path.display());
    Ok(LoadedRun { path, run: outcome })
}
