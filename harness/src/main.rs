//! The `wasm-compat` command line: `run` the matrix, `build` adapters.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use wasm_compat::builder::Builder;
use wasm_compat::cases;
use wasm_compat::expectations::Expectations;
use wasm_compat::fsutil;
use wasm_compat::matrix::{AdapterSource, Matrix};
use wasm_compat::run::{execute, Plan};

#[derive(Parser)]
#[command(
    name = "wasm-compat",
    version,
    about = "Run WebAssembly cases through many engine versions and report where behaviour differs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct Common {
    /// The matrix file (default: matrix.toml at the repository root).
    #[arg(long)]
    matrix: Option<PathBuf>,
    /// Only engines whose `engine@version` contains this text (repeatable; the
    /// reference always runs).
    #[arg(long = "engine", short = 'e')]
    engines: Vec<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the matrix: build what is missing, run every case on every engine,
    /// print a summary, write results JSON. Exits 1 on any unexpected result.
    Run {
        #[command(flatten)]
        common: Common,
        /// Case folders to run instead of the matrix's `[suites] cases`.
        #[arg(long = "cases")]
        case_dirs: Vec<PathBuf>,
        /// Spec suites to run instead of the matrix's `[suites] spec` (`wasm-v2`,
        /// `proposals/*`, ...); `none` for no spec suite.
        #[arg(long = "spec")]
        spec: Vec<String>,
        /// Only cases whose name contains this text (repeatable).
        #[arg(long = "case", short = 'c')]
        case_filters: Vec<String>,
        /// Worker threads (default: the number of cores).
        #[arg(long, short = 'j')]
        jobs: Option<usize>,
        /// Where to write the results (default: target/wasm-compat/results.json).
        #[arg(long)]
        results: Option<PathBuf>,
        /// The known-failure table (default: expectations.toml beside the matrix).
        #[arg(long)]
        expectations: Option<PathBuf>,
    },
    /// Measure the harness on the wasm-v2 suite against each engine's own
    /// in-process wast runner (see BENCHMARKS.md).
    Bench {
        #[command(flatten)]
        common: Common,
        /// Repetitions per measurement; the median is reported.
        #[arg(long, default_value_t = 3)]
        repeat: usize,
        /// Where to write the Markdown table (default: target/wasm-compat/bench.md).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Build (or find in the cache) the adapters of the matrix's engines.
    Build {
        #[command(flatten)]
        common: Common,
        /// Instead of the matrix's versions, build the newest release of every
        /// release line (major, or 0.minor) the FAMILY's adapter supports, and
        /// record which built.
        #[arg(long, value_name = "FAMILY")]
        sweep: Option<String>,
        /// Where `--sweep` writes its Markdown record (default:
        /// target/wasm-compat/builds-FAMILY.md).
        #[arg(long)]
        record: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match real_main(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("wasm-compat: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn load_matrix(common: &Common) -> Result<Matrix> {
    let path = common
        .matrix
        .clone()
        .unwrap_or_else(|| fsutil::repo_root().join("matrix.toml"));
    Matrix::load(&path)
}

fn real_main(cli: Cli) -> Result<ExitCode> {
    let progress = wasm_compat::progress::stderr_is_terminal();
    match cli.command {
        Command::Build {
            common,
            sweep: Some(family),
            record,
        } => {
            let matrix = load_matrix(&common)?;
            let builder = Builder::new(&fsutil::cache_dir(), progress)?;
            let fam = matrix.families.get(&family).with_context(|| {
                format!("{}: no engine family `{family}`", matrix.path.display())
            })?;
            let AdapterSource::Crate { dir } = &fam.source else {
                anyhow::bail!("`{family}` is a command engine; only adapter crates can be swept");
            };
            let versions = builder.release_lines(dir)?;
            let path = record.unwrap_or_else(|| {
                matrix
                    .base_dir()
                    .join("target")
                    .join("wasm-compat")
                    .join(format!("builds-{family}.md"))
            });
            let mut rows = Vec::new();
            let mut failed = 0;
            for version in &versions {
                let spec = wasm_compat::matrix::EngineSpec {
                    id: wasm_compat::matrix::EngineId {
                        engine: family.clone(),
                        version: version.clone(),
                    },
                    source: fam.source.clone(),
                };
                let row = match builder.adapter(&spec) {
                    Ok(a) => {
                        let r = a.record.expect("crate adapters have a build record");
                        let pinned = r
                            .engine_crates
                            .iter()
                            .filter(|c| c.unpinned.is_some())
                            .count();
                        format!(
                            "| {version} | builds | {}s | {} engine crates, {pinned} pinned below cargo's pick |",
                            r.build_secs,
                            r.engine_crates.len()
                        )
                    }
                    Err(e) => {
                        failed += 1;
                        let why = format!("{e:#}");
                        let first = why.lines().next().unwrap_or("").replace('|', "\\|");
                        format!("| {version} | does not build | | {first} |")
                    }
                };
                println!("{row}");
                rows.push(row);
                // Rewritten after every build, so an interrupted sweep keeps what it learnt.
                let text = format!(
                    "# {family} adapter builds\n\nEvery release line the adapter supports, newest patch of each, \
                     built by `wasm-compat build --sweep {family}` with {}. \
                     Build times are wall times with the shared target directory as it was \
                     (dependencies built earlier are reused), not cold builds.\n\n\
                     | version | result | build time | notes |\n|---|---|---|---|\n{}\n",
                    builder.rustc(),
                    rows.join("\n")
                );
                fsutil::write_atomic(&path, text.as_bytes())?;
            }
            println!("record: {}", path.display());
            Ok(if failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Bench {
            common,
            repeat,
            out,
        } => {
            let matrix = load_matrix(&common)?;
            let base = matrix.base_dir();
            let builder = Builder::new(&fsutil::cache_dir(), progress)?;
            let expectations = Expectations::load(&base.join("expectations.toml"))?;
            let jobs = std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1);
            let engines = matrix.matching(&common.engines);
            let options = wasm_compat::bench::BenchOptions {
                engines,
                repeat,
                jobs,
                native_dir: base.join("bench"),
                timeout: matrix.limits.request_timeout(),
                expectations: &expectations,
            };
            let rows = wasm_compat::bench::bench(&builder, &options)?;
            let table = wasm_compat::bench::render(&rows, jobs);
            print!("{table}");
            let path =
                out.unwrap_or_else(|| base.join("target").join("wasm-compat").join("bench.md"));
            fsutil::write_atomic(&path, table.as_bytes())?;
            println!("table: {}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Build { common, .. } => {
            let matrix = load_matrix(&common)?;
            let builder = Builder::new(&fsutil::cache_dir(), progress)?;
            let mut failed = 0;
            for spec in matrix.select(&common.engines) {
                match builder.adapter(&spec) {
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
            Ok(if failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Run {
            common,
            case_dirs,
            spec,
            case_filters,
            jobs,
            results,
            expectations,
        } => {
            let matrix = load_matrix(&common)?;
            let base = matrix.base_dir();
            let mut suites = matrix.suites.clone();
            if !spec.is_empty() {
                suites.spec = spec.into_iter().filter(|s| s != "none").collect();
            }
            if !case_dirs.is_empty() {
                suites.cases = case_dirs.iter().map(|d| d.display().to_string()).collect();
            }
            let mut all = cases::all_cases(&base, &suites)?;
            if !case_filters.is_empty() {
                all.retain(|c| case_filters.iter().any(|f| c.name.contains(f.as_str())));
            }
            if all.is_empty() {
                anyhow::bail!("no case matches the filters");
            }
            let expectations_path = expectations.unwrap_or_else(|| base.join("expectations.toml"));
            let expectations = Expectations::load(&expectations_path)?;
            let builder = Builder::new(&fsutil::cache_dir(), progress)?;
            for spec in matrix.select(&common.engines) {
                builder
                    .check_version(&spec)
                    .with_context(|| format!("{}: {}", matrix.locate(&spec.id.version), spec.id))?;
            }
            let plan = Plan {
                engines: matrix.select(&common.engines),
                cases: all,
                reference: matrix.reference.clone(),
                timeout: matrix.limits.request_timeout(),
                expectations: &expectations,
                jobs: jobs.unwrap_or_else(|| {
                    std::thread::available_parallelism()
                        .map(|n| n.get())
                        .unwrap_or(1)
                }),
                progress,
                root: matrix.base_dir(),
            };
            eprintln!(
                "wasm-compat: {} engine(s) x {} case(s), reference {}",
                plan.engines.len(),
                plan.cases.len(),
                plan.reference
            );
            let outcome = execute(&builder, &plan)?;
            print!("{}", wasm_compat::summary::render(&outcome));
            let path = results
                .unwrap_or_else(|| base.join("target").join("wasm-compat").join("results.json"));
            let json = serde_json::to_vec(&outcome).context("encoding results")?;
            fsutil::write_atomic(&path, &json)?;
            println!(
                "results: {} ({:.1}s)",
                path.display(),
                outcome.duration_secs
            );
            let unexpected = outcome.results.iter().any(|r| r.status.is_unexpected())
                || outcome.engines.iter().any(|e| e.error.is_some());
            Ok(if unexpected {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}
