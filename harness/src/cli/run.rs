//! `wasm-compat run`: the matrix (or part of it), a summary, the results file;
//! `--shard`, `--resume` and `--soak`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use wasm_compat::builder::Builder;
use wasm_compat::expectations::Expectations;
use wasm_compat::outputs::Outputs;
use wasm_compat::plan::Shard;
use wasm_compat::report;
use wasm_compat::results::{CaseResult, RunResults, Status};
use wasm_compat::run::{execute, Job};
use wasm_compat::snapshot::Snapshots;

/// `run`'s arguments.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    engines: super::EngineArgs,
    #[command(flatten)]
    cases: super::CaseArgs,
    /// Worker threads (default: the number of cores).
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
    /// Where to write the results (default: target/wasm-compat/results.json.gz,
    /// or results-shard-K-of-N.json.gz with `--shard`); compact, and
    /// gzip-compressed when the name ends in `.gz`.
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
    /// Write every snapshot that is missing or differs as the reviewed one
    /// (snapshots/ beside the matrix), instead of failing for it.
    #[arg(long)]
    accept: bool,
    /// The known-failure table (default: expectations.toml beside the matrix).
    #[arg(long)]
    expectations: Option<PathBuf>,
    /// Fail the run (exit 1) on flaky cells too: unexpected on their first
    /// run, not on a second in a fresh adapter process. Without it they are
    /// listed in the summary and reports, and the run does not fail for them.
    #[arg(long)]
    strict: bool,
}

/// Run the matrix.
pub fn run(args: Args, progress: bool) -> Result<ExitCode> {
    let matrix = args.engines.matrix.load()?;
    let cases = args.cases.select(&matrix, None)?;
    for (key, (count, first)) in wasm_compat::cases::unknown_header_keys(&cases) {
        eprintln!(
            "wasm-compat: warning: `;;! {key}` is not a header key wasm-compat knows: \
{count} case(s) setting it are unsupported (first: {first})"
        );
    }
    let expectations = match &args.expectations {
        Some(path) => Expectations::load(path)?,
        None => super::expectations_of(&matrix)?,
    };
    let builder = super::builder(progress)?;
    let engines = matrix.select(&args.engines.engines)?;
    super::check_versions(&builder, &matrix, &engines)?;
    let path = args
        .results
        .clone()
        .unwrap_or_else(|| Outputs::from_env().results(args.shard));
    let done = if args.resume {
        resumable(&path)?
    } else {
        Vec::new()
    };
    if args.resume {
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
    let job = Job {
        engines,
        cases,
        reference: matrix.reference.clone(),
        caps: matrix.limits.caps(),
        expectations: &expectations,
        jobs: args.jobs.unwrap_or_else(super::cores),
        progress,
        snapshots: {
            let snapshots = match args.accept {
                true => Snapshots::Accept(matrix.base_dir()),
                false => Snapshots::Compare(matrix.base_dir()),
            };
            match args.engines.engines.is_empty() {
                true => snapshots,
                false => Snapshots::Partial(Box::new(snapshots)),
            }
        },
        shard: args.shard,
        done,
        recorder: None,
    };
    eprintln!(
        "wasm-compat: {} engine(s) x {} case(s), reference {}",
        job.engines.len(),
        job.cases.len(),
        job.reference
    );
    if let Some(times) = args.soak {
        return soak(&builder, &job, times);
    }
    let outcome = execute(&builder, &job)?;
    print!("{}", wasm_compat::summary::render(&outcome));
    write_results(&path, &outcome)?;
    if let Some(peak) = wasm_compat::run::peak_resident() {
        eprintln!("wasm-compat: harness peak resident {} MiB", peak >> 20);
    }
    let pending = wasm_compat::snapshot::all_pending(&matrix.base_dir());
    if !pending.is_empty() {
        eprintln!(
            "wasm-compat: {} snapshot(s) pending review (`.snap.new`) under {}: {}",
            pending.len(),
            matrix.base_dir().join("snapshots").display(),
            wasm_compat::snapshot::ACCEPT_HINT
        );
    }
    if outcome.interrupted {
        eprintln!(
            "wasm-compat: interrupted; {} finished cell(s) written; `run --resume` runs the rest",
            outcome.results.len()
        );
        return Ok(ExitCode::from(130));
    }
    let flaky = outcome.flaky();
    if args.strict && flaky > 0 {
        eprintln!("wasm-compat: {flaky} flaky cell(s) fail the run under --strict");
    }
    Ok(super::exit(
        !outcome.unexpected() && !(args.strict && flaky > 0),
    ))
}

/// Write a run's results file atomically and say where.
pub fn write_results(path: &Path, outcome: &RunResults) -> Result<()> {
    outcome.write(path)?;
    println!(
        "results: {} ({:.1}s)",
        path.display(),
        outcome.duration_secs
    );
    Ok(())
}

/// The finished cells of an earlier run's results file (none if it is absent).
fn resumable(path: &Path) -> Result<Vec<CaseResult>> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    Ok(RunResults::read(path)?.results)
}

/// Temporary case folders the interpreter left behind.
fn leftover_case_dirs() -> usize {
    let prefix = wasm_compat::interp::case_dir_prefix();
    std::fs::read_dir(std::env::temp_dir())
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
                .count()
        })
        .unwrap_or(0)
}

/// Every cell of a run by its name, with its status and transcript.
fn cells_of(outcome: &RunResults) -> BTreeMap<String, (Status, String)> {
    outcome
        .results
        .iter()
        .map(|r| (r.cell().to_string(), (r.status, report::transcript(r))))
        .collect()
}

/// `run --soak N`: the job N times; outcomes must repeat exactly, nothing may
/// be left behind, and the harness's own memory must stay stable. Each round
/// says how many cells differ from round 1, and how many of those changed
/// status (what a verdict is made of).
fn soak(builder: &Builder, job: &Job<'_>, times: usize) -> Result<ExitCode> {
    let temp_before = leftover_case_dirs();
    let mut first: Option<BTreeMap<String, (Status, String)>> = None;
    let mut problems = Vec::new();
    let mut rss = Vec::new();
    let mut status_changes = 0;
    for round in 1..=times {
        let outcome = execute(builder, job)?;
        let cells = cells_of(&outcome);
        let live = wasm_compat::adapter::live_count();
        let temp = leftover_case_dirs().saturating_sub(temp_before);
        let mem = wasm_compat_protocol::current_memory_usage()
            .map(|m| m.rss_bytes)
            .unwrap_or(0);
        rss.push(mem);
        let (mut differing, mut changed) = (0, 0);
        if let Some(first) = &first {
            for (k, now) in &cells {
                let then = first.get(k);
                if then == Some(now) {
                    continue;
                }
                differing += 1;
                let was = then.map_or("absent".to_string(), |(s, _)| s.to_string());
                if was != now.0.to_string() {
                    changed += 1;
                    problems.push(format!(
                        "round {round}: {k} was {was} in round 1, now {}",
                        now.0
                    ));
                } else if differing - changed <= 5 {
                    problems.push(format!(
                        "round {round}: {k} differs from round 1 ({was} both times)"
                    ));
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
        status_changes += changed;
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
            "soak round {round}/{times}: {} cells in {:.1}s, {differing} differ from round 1 \
             ({changed} in status), \
             {live} adapters alive after, {temp} temporary folders left, harness resident {:.1} MiB",
            cells.len(),
            outcome.duration_secs,
            mem as f64 / (1 << 20) as f64
        );
        first.get_or_insert(cells);
    }
    if let Some(problem) = memory_growth(&rss) {
        problems.push(problem);
    }
    if problems.is_empty() {
        println!("soak: {times} rounds, identical outcomes, nothing left behind, memory stable");
        return Ok(ExitCode::SUCCESS);
    }
    println!("soak: {times} rounds, {status_changes} cell status change(s) from round 1");
    for p in &problems {
        println!("soak: {p}");
    }
    Ok(ExitCode::from(1))
}

/// Whether the harness's resident memory kept growing after the first round
/// (which warms caches).
fn memory_growth(rss: &[u64]) -> Option<String> {
    let (a, b) = (rss.get(1)?, rss.last()?);
    (*b > a + (a / 4).max(64 << 20)).then(|| {
        format!(
            "the harness's resident memory grew from {:.1} MiB (round 2) to {:.1} MiB",
            *a as f64 / (1 << 20) as f64,
            *b as f64 / (1 << 20) as f64
        )
    })
}
