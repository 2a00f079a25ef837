//! `wasm-compat bench`: the harness on wasm-v2 against each engine's own
//! in-process runner (see BENCHMARKS.md).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use wasm_compat::bench::{self, BenchOptions};
use wasm_compat::fsutil;
use wasm_compat::outputs::Outputs;

/// `bench`'s arguments.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    engines: super::EngineArgs,
    /// Repetitions per measurement; the median is reported.
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Where to write the Markdown table (default: target/wasm-compat/bench.md).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Measure and print the table.
pub fn run(args: Args, progress: bool) -> Result<ExitCode> {
    let matrix = args.engines.matrix.load()?;
    let builder = super::builder(progress)?;
    let expectations = super::expectations_of(&matrix)?;
    let jobs = super::cores();
    let options = BenchOptions {
        engines: matrix.matching(&args.engines.engines)?,
        repeat: args.repeat,
        jobs,
        native_dir: matrix.base_dir().join("bench"),
        timeout: matrix.limits.request_timeout(),
        expectations: &expectations,
    };
    let rows = bench::bench(&builder, &options)?;
    let table = bench::render(&rows, jobs);
    print!("{table}");
    let path = args.out.unwrap_or_else(|| Outputs::from_env().bench());
    fsutil::write_atomic(&path, table.as_bytes())?;
    println!("table: {}", path.display());
    Ok(ExitCode::SUCCESS)
}
