//! The subcommands, one module each with its own clap `Args` and `run`, and
//! the few arguments they share (the matrix file, the engine filter).

mod bench;
mod bisect;
mod build;
mod cache;
mod check;
mod diff;
mod fuzz;
mod init;
mod report;
mod review;
mod run;
mod site;
mod sweep;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use wasm_compat::builder::Builder;
use wasm_compat::cases::{self, Case};
use wasm_compat::engine_id::EngineSpec;
use wasm_compat::expectations::Expectations;
use wasm_compat::fsutil;
use wasm_compat::matrix::Matrix;

/// The command line.
#[derive(Parser)]
#[command(
    name = "wasm-compat",
    version,
    about = "Run WebAssembly cases through many engine versions and report where behaviour differs"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Run the matrix: build what is missing, run every case on every engine,
    /// print a summary, write results JSON. Exits 1 on any unexpected result.
    Run(run::Args),
    /// Measure the harness on the wasm-v2 suite against each engine's own
    /// in-process wast runner (see BENCHMARKS.md).
    Bench(bench::Args),
    /// Render results files into Markdown, HTML, JSON and JUnit reports. Several
    /// files (shards, machines) merge into one table; a folder of results files
    /// is a history, and the reports then show where outcomes changed.
    Report(report::Args),
    /// The upgrade report: every case whose outcome differs between two engine
    /// versions, by area, with transcript diffs. Uses stored results and runs
    /// only what is missing. Exits 1 when anything differs.
    Diff(diff::Args),
    /// Which published release of an engine changed a case's outcome: lists the
    /// releases from the engine's registry, builds each probed version's adapter
    /// (reusing the cache), runs the case and binary-searches.
    Bisect(bisect::Args),
    /// Run one case on one engine version and exit 0 if it passes, 1 if it
    /// fails (or crashes the engine), 125 if it cannot be tested there (no
    /// build, unsupported): usable as a `git bisect run` script.
    Check(check::Args),
    /// Differential fuzzing: modules generated from seeds (wasm-smith), their
    /// exports called on every engine; a difference between versions of a
    /// family or with the reference is confirmed, shrunk and written as a
    /// case. Exits 1 when one was found.
    Fuzz(fuzz::Args),
    /// Turn results of successive runs into a static site: heatmap per
    /// engine version and area, per-case history, diff between any two runs,
    /// first passing version per family (also as JSON).
    Site(site::Args),
    /// Every published release of a family (a range of them), run release
    /// by release into a sweep folder; a later sweep runs only releases and
    /// cases not yet run. `sweep merge` joins shards' folders, `sweep table`
    /// makes the compatibility tables (site, JSON, Markdown, and the
    /// comparison with webassembly.org's feature table).
    Sweep(sweep::Args),
    /// Show or free the adapter build cache, or print its CI cache key.
    Cache(cache::Args),
    /// Review the pending snapshots `run` wrote where outcomes changed: each
    /// diff shown, then accepted, rejected or skipped.
    Review(review::Args),
    /// Start using wasm-compat in a repository: write a matrix.toml, a
    /// cases/ folder with one example, and a CI workflow.
    Init(init::Args),
    /// Build (or find in the cache) the adapters of the matrix's engines.
    Build(build::Args),
}

impl Command {
    /// Run the subcommand.
    pub fn run(self, progress: bool) -> Result<ExitCode> {
        match self {
            Command::Run(args) => run::run(args, progress),
            Command::Bench(args) => bench::run(args, progress),
            Command::Report(args) => report::run(args, progress),
            Command::Diff(args) => diff::run(args, progress),
            Command::Bisect(args) => bisect::run(args, progress),
            Command::Check(args) => check::run(args, progress),
            Command::Fuzz(args) => fuzz::run(args, progress),
            Command::Cache(args) => cache::run(args),
            Command::Init(args) => init::run(args),
            Command::Site(args) => site::run(args),
            Command::Sweep(args) => sweep::run(args, progress),
            Command::Review(args) => review::run(args),
            Command::Build(args) => build::run(args, progress),
        }
    }
}

/// `--matrix`.
#[derive(clap::Args, Clone)]
pub struct MatrixArg {
    /// The matrix file (default: the nearest matrix.toml in the current
    /// directory or above it).
    #[arg(long)]
    pub matrix: Option<PathBuf>,
}

impl MatrixArg {
    /// The matrix file named, or the nearest `matrix.toml`.
    pub fn load(&self) -> Result<Matrix> {
        match &self.matrix {
            Some(p) => Matrix::load(p),
            None => Matrix::load(&nearest_matrix()?),
        }
    }
}

/// The `matrix.toml` in the current directory or the closest folder above it.
fn nearest_matrix() -> Result<PathBuf> {
    let cwd = std::env::current_dir().context("the current directory")?;
    cwd.ancestors()
        .map(|dir| dir.join("matrix.toml"))
        .find(|m| m.is_file())
        .with_context(|| {
            format!(
                "no matrix.toml in {} or above it: `wasm-compat init` writes one, or pass --matrix",
                cwd.display()
            )
        })
}

/// `--matrix` and `--engine`.
#[derive(clap::Args, Clone)]
pub struct EngineArgs {
    #[command(flatten)]
    pub matrix: MatrixArg,
    /// Only engines whose `engine@version` contains this text (repeatable; the
    /// reference always runs).
    #[arg(long = "engine", short = 'e')]
    pub engines: Vec<String>,
}

/// The adapter builder over the user's cache.
pub fn builder(progress: bool) -> Result<Builder> {
    Builder::new(&fsutil::cache_dir(), progress)
}

/// Check that every engine of `specs` names a version its source can
/// provide, before anything is built. A misnamed version (not published,
/// outside the adapter's range) stops the command at its matrix line; one
/// that is unavailable here (its registry unreachable, offline without a
/// copy, a toolchain missing) does not: preparing it says why, and its cells
/// are `unsupported` while every other engine runs.
pub fn check_versions(builder: &Builder, matrix: &Matrix, specs: &[EngineSpec]) -> Result<()> {
    for spec in specs {
        match builder.check_version(spec) {
            Err(e) if wasm_compat::builder::unavailable_reason(&e).is_none() => {
                let at = matrix.locate(&spec.id.version.to_string());
                return Err(e.context(format!("{at}: {}", spec.id)));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The known-failure table beside the matrix.
pub fn expectations_of(matrix: &Matrix) -> Result<Expectations> {
    Expectations::load(&matrix.base_dir().join("expectations.toml"))
}

/// A case argument: a file that exists relative to the current directory
/// becomes its absolute path (every relative path on the command line is
/// relative to where the command runs); anything else (`spec/...`, a path
/// under the matrix's folder) is left as written.
pub fn cwd_relative(case: &str) -> String {
    let path = std::path::Path::new(case);
    match std::env::current_dir() {
        Ok(cwd) if path.is_relative() && cwd.join(path).is_file() => {
            cwd.join(path).display().to_string()
        }
        _ => case.to_string(),
    }
}

/// The number of cores, the default worker count.
pub fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Which cases a command runs: the matrix's suites, or those named here.
#[derive(clap::Args, Clone, Default)]
pub struct CaseArgs {
    /// Case folders to run instead of the matrix's `[suites] cases`
    /// (relative to the current directory).
    #[arg(long = "cases")]
    pub case_dirs: Vec<PathBuf>,
    /// Spec suites to run instead of the matrix's `[suites] spec` (`wasm-v2`,
    /// `proposals/*`, ...); `none` for no spec suite.
    #[arg(long = "spec")]
    pub spec: Vec<String>,
    /// Only cases whose name contains this text (repeatable).
    #[arg(long = "case", short = 'c')]
    pub case_filters: Vec<String>,
}

impl CaseArgs {
    /// The matrix's cases (its spec suites replaced by `default_spec` when
    /// given), or those the command line names, filtered.
    pub fn select(&self, matrix: &Matrix, default_spec: Option<&[&str]>) -> Result<Vec<Case>> {
        select_cases(matrix, self, default_spec)
    }
}

/// See [`CaseArgs::select`].
fn select_cases(
    matrix: &Matrix,
    args: &CaseArgs,
    default_spec: Option<&[&str]>,
) -> Result<Vec<Case>> {
    let mut suites = matrix.suites.clone();
    if let Some(spec) = default_spec {
        suites.spec = spec.iter().map(|s| s.to_string()).collect();
    }
    if !args.spec.is_empty() {
        suites.spec = args.spec.iter().filter(|s| *s != "none").cloned().collect();
    }
    if !args.case_dirs.is_empty() {
        // On the command line a folder is relative to the current directory.
        // `cases::all_cases` resolves them (`../cases` from a subfolder
        // names cases as `cases/...` does from the top).
        let here = std::env::current_dir().context("reading the current directory")?;
        suites.cases = args
            .case_dirs
            .iter()
            .map(|d| here.join(d).display().to_string())
            .collect();
    }
    let all = cases::all_cases(&matrix.base_dir(), &suites)?;
    filter_cases(all, &args.case_filters, &suites)
}

/// The cases whose name contains one of `filters` (all without filters). A
/// filter that matches no case, or a selection with no case at all, is an
/// error naming it and where cases were looked for: a typo must not run
/// less and pass.
fn filter_cases(
    mut all: Vec<Case>,
    filters: &[String],
    suites: &wasm_compat::matrix::Suites,
) -> Result<Vec<Case>> {
    let searched = || {
        let mut places: Vec<String> = suites.spec.iter().map(|s| format!("spec {s}")).collect();
        places.extend(suites.cases.iter().cloned());
        match places.is_empty() {
            true => "no suite or case folder".to_string(),
            false => places.join(", "),
        }
    };
    if all.is_empty() {
        anyhow::bail!("no case found in {}", searched());
    }
    if let Some(unmatched) = filters
        .iter()
        .find(|f| !all.iter().any(|c| c.name.contains(f.as_str())))
    {
        anyhow::bail!(
            "--case {unmatched:?} matches none of the {} case(s) in {}",
            all.len(),
            searched()
        );
    }
    if !filters.is_empty() {
        all.retain(|c| filters.iter().any(|f| c.name.contains(f.as_str())));
    }
    Ok(all)
}

/// Exit 0 when `ok`, else 1.
pub fn exit(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
