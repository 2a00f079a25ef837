//! The `wasm-compat` command line: `run` the matrix, `build` adapters, `report`
//! on results, `diff` two engine versions, `bench` the harness.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use wasm_compat::builder::Builder;
use wasm_compat::cases;
use wasm_compat::expectations::Expectations;
use wasm_compat::fsutil;
use wasm_compat::matrix::{AdapterSource, Matrix};
use wasm_compat::report;
use wasm_compat::run::{execute, Plan, Shard};

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
        /// Where to write the results (default: target/wasm-compat/results.json,
        /// or results-shard-K-of-N.json with `--shard`).
        #[arg(long)]
        results: Option<PathBuf>,
        /// Run only shard K of N (1-based): cells are split deterministically,
        /// so N machines or CI jobs run the matrix together; `report` and
        /// `diff` merge their results files.
        #[arg(long, value_name = "K/N")]
        shard: Option<Shard>,
        /// Keep the cells an interrupted run already wrote to the results file
        /// and run only the rest.
        #[arg(long)]
        resume: bool,
        /// Soak: run the matrix N times back to back and check that every run
        /// gives the same outcomes, leaves no adapter process or temporary
        /// folder behind, and that the harness's own memory stays stable.
        #[arg(long, value_name = "N")]
        soak: Option<usize>,
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
    /// Render results files into Markdown, HTML, JSON and JUnit reports. Several
    /// files (shards, machines) merge into one table; a folder of results files
    /// is a history, and the reports then show where outcomes changed.
    Report {
        /// Results files or folders (default: target/wasm-compat/results.json).
        results: Vec<PathBuf>,
        /// Which format: markdown, html, json, junit, or all.
        #[arg(long, default_value = "all")]
        format: String,
        /// Folder to write the reports into (default: target/wasm-compat/report).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Instead, regenerate COMPATIBILITY.md from the committed snapshots.
        #[arg(long)]
        compatibility: bool,
        /// The matrix file (for --compatibility; default: matrix.toml).
        #[arg(long)]
        matrix: Option<PathBuf>,
    },
    /// The upgrade report: every case whose outcome differs between two engine
    /// versions, by area, with transcript diffs. Uses stored results and runs
    /// only what is missing. Exits 1 when anything differs.
    Diff {
        /// The version upgraded from, e.g. wasmtime@36.0.20.
        from: String,
        /// The version upgraded to, e.g. wasmtime@48.0.8.
        to: String,
        /// Results files to read (default: target/wasm-compat/results.json).
        #[arg(long)]
        results: Vec<PathBuf>,
        /// The matrix file (for running what is missing; default: matrix.toml).
        #[arg(long)]
        matrix: Option<PathBuf>,
    },
    /// Which published release of an engine changed a case's outcome: lists the
    /// releases from the crates.io index, builds each probed version's adapter
    /// (reusing the cache), runs the case and binary-searches.
    Bisect(BisectArgs),
    /// Run one case on one engine version and exit 0 if it passes, 1 if it
    /// fails (or crashes the engine), 125 if it cannot be tested there (no
    /// build, unsupported): usable as a `git bisect run` script.
    Check {
        /// The case: a file under cases/ or a spec case name.
        case: String,
        /// The engine, `engine@version`.
        #[arg(long)]
        engine: String,
        /// The matrix file (the family's adapter; default: matrix.toml).
        #[arg(long)]
        matrix: Option<PathBuf>,
    },
    /// Show or free the adapter build cache.
    Cache {
        #[command(subcommand)]
        action: CacheAction,
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

#[derive(Subcommand)]
enum CacheAction {
    /// Every cached adapter build: engine, version, size, and whether the
    /// current adapter sources would reuse it.
    List {
        /// The matrix file (to tell current builds from stale ones).
        #[arg(long)]
        matrix: Option<PathBuf>,
    },
    /// Delete stale adapter builds (made from older adapter sources or another
    /// rustc); `--all` deletes every build and the shared target folder.
    Prune {
        /// Delete everything in the cache but the index copy.
        #[arg(long)]
        all: bool,
        /// The matrix file (to tell current builds from stale ones).
        #[arg(long)]
        matrix: Option<PathBuf>,
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
    load_matrix_file(common.matrix.as_deref())
}

/// The matrix file at `path`, or the repository's own `matrix.toml`.
fn load_matrix_file(path: Option<&std::path::Path>) -> Result<Matrix> {
    match path {
        Some(p) => Matrix::load(p),
        None => Matrix::load(&fsutil::repo_root().join("matrix.toml")),
    }
}

fn real_main(cli: Cli) -> Result<ExitCode> {
    let progress = wasm_compat::progress::stderr_is_terminal();
    match cli.command {
        Command::Report {
            results,
            format,
            out,
            compatibility,
            matrix,
        } => report_command(results, &format, out, compatibility, matrix, progress),
        Command::Diff {
            from,
            to,
            results,
            matrix,
        } => diff_command(&from, &to, results, matrix, progress),
        Command::Bisect(args) => bisect_command(args, progress),
        Command::Check {
            case,
            engine,
            matrix,
        } => check_command(&case, &engine, matrix, progress),
        Command::Cache { action } => cache_command(action),
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
            shard,
            resume,
            soak,
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
            let default_name = match shard {
                Some(s) => format!("results-shard-{}-of-{}.json", s.index + 1, s.count),
                None => "results.json".to_string(),
            };
            let path = results
                .unwrap_or_else(|| base.join("target").join("wasm-compat").join(default_name));
            let done = if resume {
                resumable(&path)?
            } else {
                Vec::new()
            };
            if resume {
                eprintln!(
                    "wasm-compat: resuming: {} cell(s) already in {}",
                    done.len(),
                    path.display()
                );
            }
            ctrlc::set_handler(|| {
                eprintln!(
                    "\nwasm-compat: interrupted: stopping the adapters and writing the results so far"
                );
                wasm_compat::adapter::stop_all();
            })
            .context("installing the interrupt handler")?;
            let plan = Plan {
                engines: matrix.select(&common.engines),
                cases: all,
                reference: matrix.reference.clone(),
                caps: matrix.limits.caps(),
                expectations: &expectations,
                jobs: jobs.unwrap_or_else(|| {
                    std::thread::available_parallelism()
                        .map(|n| n.get())
                        .unwrap_or(1)
                }),
                progress,
                root: matrix.base_dir(),
                shard,
                done,
            };
            eprintln!(
                "wasm-compat: {} engine(s) x {} case(s), reference {}",
                plan.engines.len(),
                plan.cases.len(),
                plan.reference
            );
            if let Some(times) = soak {
                return soak_runs(&builder, &plan, times);
            }
            let outcome = execute(&builder, &plan)?;
            print!("{}", wasm_compat::summary::render(&outcome));
            let json = serde_json::to_vec(&outcome).context("encoding results")?;
            fsutil::write_atomic(&path, &json)?;
            println!(
                "results: {} ({:.1}s)",
                path.display(),
                outcome.duration_secs
            );
            if outcome.interrupted {
                eprintln!(
                    "wasm-compat: interrupted; {} finished cell(s) written; `run --resume` runs the rest",
                    outcome.results.len()
                );
                return Ok(ExitCode::from(130));
            }
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

fn default_results() -> PathBuf {
    fsutil::repo_root()
        .join("target")
        .join("wasm-compat")
        .join("results.json")
}

fn report_command(
    results: Vec<PathBuf>,
    format: &str,
    out: Option<PathBuf>,
    compatibility: bool,
    matrix: Option<PathBuf>,
    progress: bool,
) -> Result<ExitCode> {
    if compatibility {
        let matrix = load_matrix_file(matrix.as_deref())?;
        let base = matrix.base_dir();
        let cases = cases::all_cases(&base, &matrix.suites.local_only())?;
        let text = report::compatibility::render(&base, &matrix, &cases)?;
        let path = base.join("COMPATIBILITY.md");
        fsutil::write_atomic(&path, text.as_bytes())?;
        println!("wrote {}", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    let formats: Vec<&str> = match format {
        "all" => vec!["markdown", "html", "json", "junit"],
        f @ ("markdown" | "html" | "json" | "junit") => vec![f],
        other => {
            anyhow::bail!("unknown report format `{other}` (markdown, html, json, junit, all)")
        }
    };
    let inputs = if results.is_empty() {
        vec![default_results()]
    } else {
        results
    };
    let runs = report::load(&inputs)?;
    let table = report::Table::merge(&runs)?;
    let history = if runs.len() > 1 {
        report::history(&runs)
    } else {
        Vec::new()
    };
    let out = out.unwrap_or_else(|| {
        fsutil::repo_root()
            .join("target")
            .join("wasm-compat")
            .join("report")
    });
    for f in formats {
        let path = report::default_out(&out, f);
        let text = match f {
            "markdown" => report::markdown::render(&table, &history),
            "html" => {
                let bar = wasm_compat::progress::run_bar(progress, table.cells.len() as u64);
                bar.set_message("rendering the HTML report");
                let text = report::html::render(&table, &history, &|| bar.inc(1));
                bar.finish_and_clear();
                text
            }
            "json" => {
                serde_json::to_string(&report::json(&table)).context("encoding the JSON report")?
            }
            "junit" => report::junit::render(&table)?,
            _ => unreachable!("formats are checked above"),
        };
        fsutil::write_atomic(&path, text.as_bytes())?;
        println!("{f:<8} {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn diff_command(
    from: &str,
    to: &str,
    results: Vec<PathBuf>,
    matrix: Option<PathBuf>,
    progress: bool,
) -> Result<ExitCode> {
    let a: wasm_compat::matrix::EngineId = from.parse()?;
    let b: wasm_compat::matrix::EngineId = to.parse()?;
    let inputs = if results.is_empty() {
        let d = default_results();
        if d.exists() {
            vec![d]
        } else {
            Vec::new()
        }
    } else {
        results
    };
    let mut runs = if inputs.is_empty() {
        Vec::new()
    } else {
        report::load(&inputs)?
    };
    let have = |runs: &[report::LoadedRun], id: &wasm_compat::matrix::EngineId| {
        runs.iter()
            .any(|r| r.run.results.iter().any(|c| &c.engine == id))
    };
    let missing: Vec<wasm_compat::matrix::EngineId> = [&a, &b]
        .into_iter()
        .filter(|id| !have(&runs, id))
        .cloned()
        .collect();
    if !missing.is_empty() {
        let matrix = load_matrix_file(matrix.as_deref())?;
        let base = matrix.base_dir();
        let mut specs = Vec::new();
        for id in &missing {
            specs.push(matrix.spec_for(id)?);
        }
        eprintln!(
            "wasm-compat: no stored results for {}; running them",
            missing
                .iter()
                .map(|m| m.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        let all = cases::all_cases(&base, &matrix.suites)?;
        let expectations = Expectations::load(&base.join("expectations.toml"))?;
        let builder = Builder::new(&fsutil::cache_dir(), progress)?;
        for spec in &specs {
            builder.check_version(spec)?;
        }
        let plan = Plan {
            engines: specs,
            cases: all,
            reference: matrix.reference.clone(),
            caps: matrix.limits.caps(),
            expectations: &expectations,
            jobs: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            progress,
            root: base.clone(),
            shard: None,
            done: Vec::new(),
        };
        let outcome = execute(&builder, &plan)?;
        let name = format!(
            "results-{}.json",
            missing
                .iter()
                .map(|m| m.to_string().replace('@', "-"))
                .collect::<Vec<_>>()
                .join("+")
        );
        let path = base.join("target").join("wasm-compat").join(name);
        fsutil::write_atomic(&path, &serde_json::to_vec(&outcome)?)?;
        eprintln!("wasm-compat: their results: {}", path.display());
        runs.push(report::LoadedRun { path, run: outcome });
    }
    let table = report::Table::merge(&runs)?;
    let diff = report::diff::compare(&table, &a, &b);
    print!(
        "{}",
        report::diff::render(&diff, std::io::IsTerminal::is_terminal(&std::io::stdout()))
    );
    Ok(if diff.differs() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[derive(clap::Args)]
struct BisectArgs {
    /// The engine family, as named in matrix.toml (`wasmtime`, `wasmi`).
    #[arg(long)]
    engine: String,
    /// A version where the case behaves as wanted.
    #[arg(long)]
    good: String,
    /// A version where it does not.
    #[arg(long)]
    bad: String,
    /// The case: a file under cases/ or a spec case (`spec/wasm-v2/i32.wast`).
    #[arg(long)]
    case: String,
    /// What makes a version bad: `fails`, `differs` (its transcript differs
    /// from the good version's), `snapshot` (differs from the good version's
    /// reviewed snapshot), or `command` (the command after `--`, as in
    /// `git bisect run`: exit 0 good, 125 skip, 1-127 bad).
    #[arg(long, default_value = "differs")]
    verdict: String,
    /// Include pre-releases.
    #[arg(long)]
    pre_releases: bool,
    /// The matrix file (the family's adapter; default: matrix.toml).
    #[arg(long)]
    matrix: Option<PathBuf>,
    /// With `--verdict command`: the command and its arguments.
    #[arg(last = true)]
    command: Vec<String>,
}

fn bisect_command(args: BisectArgs, progress: bool) -> Result<ExitCode> {
    use wasm_compat::bisect::{self, CaseEvaluator, Criterion};
    let criterion = match (args.verdict.as_str(), args.command.is_empty()) {
        ("fails", true) => Criterion::Fails,
        ("differs", true) => Criterion::Differs,
        ("snapshot", true) => Criterion::Snapshot,
        ("command", false) => Criterion::Command(args.command.clone()),
        ("command", true) => anyhow::bail!("--verdict command needs the command after `--`"),
        (_, false) => anyhow::bail!("a command after `--` goes with --verdict command"),
        (other, true) => {
            anyhow::bail!("unknown verdict `{other}` (fails, differs, snapshot, command)")
        }
    };
    let matrix = load_matrix_file(args.matrix.as_deref())?;
    let base = matrix.base_dir();
    let family = matrix.families.get(&args.engine).with_context(|| {
        format!(
            "{}: no engine family `{}`",
            matrix.path.display(),
            args.engine
        )
    })?;
    let AdapterSource::Crate { dir } = &family.source else {
        anyhow::bail!(
            "`{}` is a command engine; bisect needs an adapter crate",
            args.engine
        );
    };
    let case = cases::find_case(&base, &args.case)?;
    if case.cross_version {
        anyhow::bail!(
            "{} is a cross-version case; bisect runs single-engine cases",
            case.name
        );
    }
    let good: semver::Version = args.good.parse().context("--good")?;
    let bad: semver::Version = args.bad.parse().context("--bad")?;
    let builder = Builder::new(&fsutil::cache_dir(), progress)?;
    let (entries, supported) = builder.published(dir)?;
    let rustc = wasm_compat::index::rustc_semver(builder.rustc());
    let candidates = bisect::candidates(
        &entries,
        &supported,
        &good,
        &bad,
        rustc.as_ref(),
        args.pre_releases,
    )?;
    eprintln!(
        "wasm-compat: bisecting {} releases of {} ({} left out), case {}, bad when {}",
        candidates.versions.len(),
        args.engine,
        candidates.left_out.len(),
        case.name,
        criterion.describe()
    );
    let expectations = Expectations::load(&base.join("expectations.toml"))?;
    let mut evaluator = CaseEvaluator {
        builder: &builder,
        source: family.source.clone(),
        engine: args.engine.clone(),
        case: &case,
        root: base.clone(),
        criterion: criterion.clone(),
        caps: matrix.limits.caps(),
        expectations: &expectations,
        good: good.clone(),
        reference: None,
    };
    let started = std::time::Instant::now();
    let outcome = bisect::search(&candidates.versions, &mut evaluator, &mut |left, v| {
        eprintln!(
            "wasm-compat: {left} version(s) left to decide; probing {}@{v}",
            args.engine
        );
    })?;
    let mut command = format!(
        "cargo run --release -- bisect --engine {} --good {} --bad {} --case {} --verdict {}",
        args.engine, args.good, args.bad, case.name, args.verdict
    );
    if args.pre_releases {
        command.push_str(" --pre-releases");
    }
    if !args.command.is_empty() {
        command.push_str(" -- ");
        command.push_str(&args.command.join(" "));
    }
    print!(
        "{}",
        bisect::render(
            &args.engine,
            &outcome,
            &candidates.left_out,
            family.changelog.as_deref(),
            &criterion.describe(),
            &command,
        )
    );
    println!("bisection took {:.1}s", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

fn check_command(
    case: &str,
    engine: &str,
    matrix: Option<PathBuf>,
    progress: bool,
) -> Result<ExitCode> {
    use wasm_compat::run::Status;
    let matrix = load_matrix_file(matrix.as_deref())?;
    let base = matrix.base_dir();
    let id: wasm_compat::matrix::EngineId = engine.parse()?;
    let spec = matrix.spec_for(&id)?;
    let case = cases::find_case(&base, case)?;
    let expectations = Expectations::load(&base.join("expectations.toml"))?;
    let builder = Builder::new(&fsutil::cache_dir(), progress)?;
    let ready =
        match wasm_compat::run::prepare_engine(&builder, &spec, matrix.limits.request_timeout()) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("wasm-compat check: cannot test {id} (exit 125): {e:#}");
                return Ok(ExitCode::from(125));
            }
        };
    let result = wasm_compat::run::run_trial(&ready, &case, matrix.limits.caps(), &expectations);
    println!("{}", report::transcript(&result));
    let (code, word) = match result.status {
        Status::Pass | Status::KnownFailure => (0, "good"),
        Status::Unsupported | Status::Error => (125, "cannot be tested"),
        _ => (1, "bad"),
    };
    eprintln!(
        "wasm-compat check: {} on {id}: {} -> {word} (exit {code}){}",
        case.name,
        report::status_word(result.status),
        result
            .reason
            .as_deref()
            .map(|r| format!("\n{r}"))
            .unwrap_or_default()
    );
    Ok(ExitCode::from(code))
}

fn dir_size(path: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    };
    entries
        .flatten()
        .map(|e| {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => dir_size(&p),
                _ => e.metadata().map(|m| m.len()).unwrap_or(0),
            }
        })
        .sum()
}

fn human(bytes: u64) -> String {
    let mib = bytes as f64 / (1024.0 * 1024.0);
    if mib >= 1024.0 {
        format!("{:.1} GiB", mib / 1024.0)
    } else {
        format!("{mib:.1} MiB")
    }
}

/// Every cached adapter build: (folder, engine@version, key, current?).
fn cached_builds(
    builder: &Builder,
    matrix: &Matrix,
) -> Result<Vec<(PathBuf, String, String, bool)>> {
    let dir = builder.cache_dir().join("adapters");
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(out);
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some((engine_version, key)) = name.rsplit_once('-') else {
            continue;
        };
        let Some((engine, version)) = engine_version.split_once('-') else {
            continue;
        };
        let id = wasm_compat::matrix::EngineId {
            engine: engine.to_string(),
            version: version.to_string(),
        };
        let current = match matrix.families.get(engine).map(|f| &f.source) {
            Some(AdapterSource::Crate { dir }) => builder
                .current_key(&id, dir)
                .map(|k| k == key)
                .unwrap_or(false),
            _ => false,
        };
        out.push((e.path(), id.to_string(), key.to_string(), current));
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

fn cache_command(action: CacheAction) -> Result<ExitCode> {
    let builder = Builder::new(&fsutil::cache_dir(), false)?;
    let (matrix_path, all) = match &action {
        CacheAction::List { matrix } => (matrix.clone(), false),
        CacheAction::Prune { matrix, all } => (matrix.clone(), *all),
    };
    let matrix = load_matrix_file(matrix_path.as_deref())?;
    let builds = cached_builds(&builder, &matrix)?;
    match action {
        CacheAction::List { .. } => {
            let mut total = 0;
            println!("{:<22} {:<18} {:>10}  state", "engine", "key", "size");
            for (path, id, key, current) in &builds {
                let size = dir_size(path);
                total += size;
                let state = if *current { "current" } else { "stale" };
                println!("{id:<22} {key:<18} {:>10}  {state}", human(size));
            }
            let target = builder.cache_dir().join("target");
            let shared = dir_size(&target);
            println!(
                "{} build(s), {} in adapters; shared build folder {}: {}",
                builds.len(),
                human(total),
                target.display(),
                human(shared)
            );
        }
        CacheAction::Prune { .. } => {
            let mut freed = 0;
            let mut removed = 0;
            for (path, id, _, current) in &builds {
                if all || !current {
                    freed += dir_size(path);
                    std::fs::remove_dir_all(path)
                        .with_context(|| format!("removing {}", path.display()))?;
                    removed += 1;
                    println!("removed {id} ({})", path.display());
                }
            }
            if all {
                for sub in ["target", "builds"] {
                    let p = builder.cache_dir().join(sub);
                    if p.exists() {
                        freed += dir_size(&p);
                        std::fs::remove_dir_all(&p)
                            .with_context(|| format!("removing {}", p.display()))?;
                        println!("removed {}", p.display());
                    }
                }
            }
            println!("{removed} build(s) removed, {} freed", human(freed));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The finished cells of an earlier run's results file (none if it is absent).
fn resumable(path: &std::path::Path) -> Result<Vec<wasm_compat::run::CaseResult>> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let earlier: wasm_compat::run::RunResults = serde_json::from_slice(&text)
        .map_err(|e| anyhow::anyhow!("{}: not a results file: {e}", path.display()))?;
    Ok(earlier.results)
}

/// Temporary case folders the interpreter left behind.
fn leftover_case_dirs() -> usize {
    std::fs::read_dir(std::env::temp_dir())
        .map(|d| {
            d.flatten()
                .filter(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .starts_with("wasm-compat-case-")
                })
                .count()
        })
        .unwrap_or(0)
}

/// `run --soak N`: the plan N times; outcomes must repeat exactly, nothing may
/// be left behind, and the harness's own memory must stay stable.
fn soak_runs(builder: &Builder, plan: &Plan<'_>, times: usize) -> Result<ExitCode> {
    use std::collections::BTreeMap;
    let temp_before = leftover_case_dirs();
    let mut first: Option<BTreeMap<String, String>> = None;
    let mut problems = Vec::new();
    let mut rss = Vec::new();
    for round in 1..=times {
        let outcome = execute(builder, plan)?;
        let cells: BTreeMap<String, String> = outcome
            .results
            .iter()
            .map(|r| {
                let key = match &r.second {
                    Some(b) => format!("{}->{}/{}", r.engine, b.version, r.case),
                    None => format!("{}/{}", r.engine, r.case),
                };
                (key, format!("{:?}\n{}", r.status, report::transcript(r)))
            })
            .collect();
        let live = wasm_compat::adapter::live_count();
        let temp = leftover_case_dirs().saturating_sub(temp_before);
        let mem = wasm_compat_protocol::current_memory_usage()
            .map(|m| m.rss_bytes)
            .unwrap_or(0);
        rss.push(mem);
        let mut differing = 0;
        if let Some(first) = &first {
            for (k, v) in &cells {
                if first.get(k) != Some(v) {
                    differing += 1;
                    if differing <= 5 {
                        problems.push(format!("round {round}: {k} differs from round 1"));
                    }
                }
            }
            if first.len() != cells.len() {
                problems.push(format!(
                    "round {round}: {} cells, round 1 had {}",
                    cells.len(),
                    first.len()
                ));
            }
        }
        if live > 0 {
            problems.push(format!(
                "round {round}: {live} adapter process(es) still alive"
            ));
        }
        if temp > 0 {
            problems.push(format!(
                "round {round}: {temp} temporary case folder(s) left"
            ));
        }
        println!(
            "soak round {round}/{times}: {} cells in {:.1}s, {differing} differ from round 1, \
             {live} adapters alive after, {temp} temporary folders left, harness resident {:.1} MiB",
            cells.len(),
            outcome.duration_secs,
            mem as f64 / (1 << 20) as f64
        );
        first.get_or_insert(cells);
    }
    if let (Some(a), Some(b)) = (rss.get(1), rss.last()) {
        // The first round warms caches; later rounds must not keep growing.
        if *b > a + (a / 4).max(64 << 20) {
            problems.push(format!(
                "the harness's resident memory grew from {:.1} MiB (round 2) to {:.1} MiB",
                *a as f64 / (1 << 20) as f64,
                *b as f64 / (1 << 20) as f64
            ));
        }
    }
    if problems.is_empty() {
        println!("soak: {times} rounds, identical outcomes, nothing left behind, memory stable");
        Ok(ExitCode::SUCCESS)
    } else {
        for p in &problems {
            println!("soak: {p}");
        }
        Ok(ExitCode::from(1))
    }
}
