//! `wasm-compat build`: the adapters of the matrix's engines, or with
//! `--sweep FAMILY` the newest release of every release line, recorded.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use wasm_compat::builder::Builder;
use wasm_compat::engine_id::{EngineId, EngineSpec};
use wasm_compat::fsutil;
use wasm_compat::matrix::Family;
use wasm_compat::outputs::Outputs;

/// `build`'s arguments.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    engines: super::EngineArgs,
    /// Instead of the matrix's versions, build the newest release of every
    /// release line (major, or 0.minor) the FAMILY's adapter supports, and
    /// record which built.
    #[arg(long, value_name = "FAMILY")]
    sweep: Option<String>,
    /// Where `--sweep` writes its Markdown record (default:
    /// target/wasm-compat/builds-FAMILY.md).
    #[arg(long)]
    record: Option<PathBuf>,
}

/// Build, and exit 1 if anything did not build.
pub fn run(args: Args, progress: bool) -> Result<ExitCode> {
    let matrix = args.engines.matrix.load()?;
    let builder = super::builder(progress)?;
    if let Some(family) = &args.sweep {
        let fam = matrix
            .families
            .get(family)
            .with_context(|| format!("{}: no engine family `{family}`", matrix.path.display()))?;
        let path = args
            .record
            .clone()
            .unwrap_or_else(|| Outputs::from_env().sweep_record(family));
        return sweep(&builder, fam, &path);
    }
    let mut failed = 0;
    for spec in matrix.select(&args.engines.engines)? {
        // As `run` does: a version that cannot be obtained is refused before
        // anything is written into the cache for it (one unavailable here is
        // said by the build itself).
        let checked = super::check_versions(&builder, &matrix, std::slice::from_ref(&spec));
        match checked.and_then(|()| builder.adapter(&spec)) {
            Ok(a) => {
                let secs = a.record.as_ref().map(|r| r.build_secs).unwrap_or(0.0);
                println!(
                    "{:<24} {} (built in {secs}s)",
                    spec.id.to_string(),
                    a.program.display()
                );
            }
            Err(e) => {
                failed += 1;
                eprintln!("wasm-compat: {e:#}");
            }
        }
    }
    Ok(super::exit(failed == 0))
}

/// How long a swept adapter may take to answer `hello`.
const HELLO_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Build the newest release of every release line of `family` and record
/// each outcome in `path`, rewritten after every build so an interrupted
/// sweep keeps what it learnt.
fn sweep(builder: &Builder, family: &Family, path: &PathBuf) -> Result<ExitCode> {
    let mut rows = Vec::new();
    let mut failed = 0;
    let mut toolchain = builder.rustc().unwrap_or_default().to_string();
    for version in builder.published(&family.source)?.release_lines() {
        let spec = EngineSpec::new(
            EngineId::new(&family.name, version.clone()),
            family.source.clone(),
        );
        let row = match wasm_compat::run::prepare_engine(&builder, &spec, HELLO_TIMEOUT) {
            Ok(ready) => {
                let r = ready
                    .adapter
                    .record
                    .expect("built adapters have a build record");
                toolchain = r.toolchain.clone();
                let pinned = r
                    .engine_crates
                    .iter()
                    .filter(|c| c.unpinned.is_some())
                    .count();
                let host = ready
                    .info
                    .host
                    .map(|h| format!(" on {h}"))
                    .unwrap_or_default();
                format!(
                    "| {version} | builds, answers hello | {}s | {} engine packages, {pinned} pinned below the package manager's pick; {} proposals{host} |",
                    r.build_secs,
                    r.engine_crates.len(),
                    ready.info.features.len(),
                )
            }
            Err(e) => {
                failed += 1;
                let why = format!("{e:#}");
                let first = why.lines().next().unwrap_or("").replace('|', "\\|");
                format!("| {version} | does not build or start | | {first} |")
            }
        };
        println!("{row}");
        rows.push(row);
        let text = format!(
            "# {name} adapter builds\n\nEvery release line the adapter supports, newest patch of each, \
             built (or fetched) by `wasm-compat build --sweep {name}` with {}, then \
             started and asked `hello`. Build times are wall times with the shared \
             target directory as it was (dependencies built earlier are reused), \
             not cold builds.\n\n\
             | version | result | build time | notes |\n|---|---|---|---|\n{}\n",
            toolchain,
            rows.join("\n"),
            name = family.name,
        );
        fsutil::write_atomic(path, text.as_bytes())?;
    }
    println!("record: {}", path.display());
    Ok(super::exit(failed == 0))
}
