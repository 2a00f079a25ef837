//! `wasm-compat fuzz`: differential fuzzing across the matrix's engine
//! versions, time-boxed and reproducible from a seed (see `wasm_compat::fuzz`).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use wasm_compat::engine_id::EngineId;
use wasm_compat::fsutil;
use wasm_compat::fuzz::{self, Finding, Summary, Transcript};
use wasm_compat::interp::Parsed;
use wasm_compat::plan::ReadyEngine;
use wasm_compat::proposal::Proposal;
use wasm_compat::run::Processes;

/// `fuzz`'s arguments.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    engines: super::EngineArgs,
    /// How long to generate modules: `90s`, `10m`, `1h`.
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    time: Duration,
    /// The first module's seed (module N of the run has seed SEED + N).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Stop after this many modules even if time is left.
    #[arg(long)]
    modules: Option<u64>,
    /// Where confirmed findings are written as cases (cwd-relative).
    #[arg(long, default_value = "cases/fuzz")]
    out: PathBuf,
    /// The summary, as JSON (cwd-relative).
    #[arg(long, default_value = "results/fuzz.json")]
    json: PathBuf,
    /// Shrinking attempts per finding (each runs both engines once).
    #[arg(long, default_value_t = 100)]
    shrink_attempts: u32,
    /// Longest one module may run on one engine (`2s`, `1m`): past it the
    /// engine's process is stopped and that module is compared there only up
    /// to where its time ran out, and listed as slow in the summary.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    budget: Duration,
}

/// Modules generated and run together: each engine goes on to the next
/// module while another is still busy with an earlier one, and then the
/// batch's differences are examined in seed order.
const BATCH: u64 = 8;

/// The `bisect` that finds which release made `good` into `bad`: for two
/// releases of one family in one configuration.
fn bisect_command(good: &EngineId, bad: &EngineId, case: &std::path::Path) -> Option<String> {
    let (Some(from), Some(to)) = (good.version.release(), bad.version.release()) else {
        return None;
    };
    if good.engine != bad.engine || good.config != bad.config || from == to {
        return None;
    }
    let engine = match &good.config {
        Some(config) => format!("{}+{config}", good.engine),
        None => good.engine.clone(),
    };
    Some(format!(
        "wasm-compat bisect --engine {engine} --good {from} --bad {to} --case {}",
        case.display()
    ))
}

/// A run's caps with `budget` as the longest a module may take on one
/// engine (and so any one request of it).
fn budgeted(caps: wasm_compat::adapter::Caps, budget: Duration) -> wasm_compat::adapter::Caps {
    wasm_compat::adapter::Caps {
        request: caps.request.min(budget),
        case: Some(caps.case.map_or(budget, |case| case.min(budget))),
        ..caps
    }
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}`: expected a number and s, m or h"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("`{text}`: expected a number and s, m or h")),
    };
    Ok(Duration::from_secs(secs))
}

/// Run the fuzzer; exit 1 when a confirmed difference was found.
pub fn run(args: Args, progress: bool) -> Result<ExitCode> {
    let started = Instant::now();
    let mut fuzzer = Fuzzer::new(&args, progress)?;
    eprintln!(
        "fuzz: {} engines, proposals [{}], {} pairs compared, seed {}, for {:?}",
        fuzzer.ids.len(),
        fuzzer.summary.proposals.join(", "),
        fuzzer.pairs.len(),
        args.seed,
        args.time
    );
    let mut n = 0u64;
    while Instant::now() < fuzzer.deadline && args.modules.is_none_or(|m| n < m) {
        let batch = args.modules.map_or(BATCH, |m| BATCH.min(m - n));
        fuzzer.batch(args.seed + n..args.seed + n + batch)?;
        n += batch;
        if progress {
            eprintln!(
                "fuzz: {n} modules, {} calls, {} findings, {} flaky, {:.0?} of {:?}",
                fuzzer.summary.calls,
                fuzzer.summary.findings.len(),
                fuzzer.summary.flaky.len(),
                started.elapsed(),
                args.time
            );
        }
    }
    let mut summary = fuzzer.summary;
    summary.seconds = started.elapsed().as_secs_f64();
    let json_path = std::env::current_dir()?.join(&args.json);
    if let Some(parent) = json_path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    fsutil::write_atomic(
        &json_path,
        serde_json::to_string_pretty(&summary)?.as_bytes(),
    )?;
    println!(
        "fuzz: {} modules ({} calls) on {} engines in {:.0} s: {} confirmed differences, {} flaky, {} errors; summary in {}",
        summary.modules,
        summary.calls,
        summary.engines.len(),
        summary.seconds,
        summary.findings.len(),
        summary.flaky.len(),
        summary.errors.len(),
        json_path.display()
    );
    if !summary.slow.is_empty() {
        println!(
            "fuzz: {} module runs over the budget of {} s (compared up to there; `slow` in the summary)",
            summary.slow.len(),
            summary.budget_secs
        );
    }
    if summary.findings.is_empty() {
        println!("fuzz: no difference in {} modules", summary.modules);
    } else {
        println!(
            "fuzz: review the cases under {} and accept their snapshots with `INSTA_UPDATE=always cargo test --release -- {}`",
            args.out.display(),
            args.out.display()
        );
    }
    Ok(super::exit(summary.findings.is_empty()))
}

/// A module that takes longer than this on all engines together is named
/// with its slowest engine (where a run's time goes).
const SLOW_MODULE: Duration = Duration::from_secs(2);

/// A fuzzing run's engines and what it found so far.
struct Fuzzer<'a> {
    args: &'a Args,
    engines: Vec<ReadyEngine>,
    ids: Vec<EngineId>,
    pairs: Vec<(usize, usize)>,
    common: Vec<Proposal>,
    caps: wasm_compat::adapter::Caps,
    /// Idle adapter processes, one per engine at most between modules: a
    /// module's case is standard wast, reset by its `configure`.
    pool: wasm_compat::adapter::Pool,
    deadline: Instant,
    /// Findings already made (so one difference is written once).
    seen: BTreeSet<((String, String), (String, String))>,
    summary: Summary,
}

impl<'a> Fuzzer<'a> {
    /// Prepare every engine the arguments select; one that cannot be is
    /// left out and named.
    fn new(args: &'a Args, progress: bool) -> Result<Fuzzer<'a>> {
        let matrix = args.engines.matrix.load()?;
        let specs = matrix.matching(&args.engines.engines)?;
        if specs.is_empty() {
            bail!("no engine of the matrix matches {:?}", args.engines.engines);
        }
        let builder = super::builder(progress)?;
        let timeout = matrix.limits.request_timeout();
        let mut summary = Summary {
            seed: args.seed,
            budget_secs: args.budget.as_secs(),
            ..Summary::default()
        };
        let (mut ids, mut engines) = (Vec::new(), Vec::new());
        for spec in &specs {
            match wasm_compat::run::prepare_engine(&builder, spec, timeout) {
                Ok(ready) => {
                    ids.push(spec.id.clone());
                    engines.push(ready);
                }
                Err(e) => {
                    eprintln!("fuzz: {} left out: {e:#}", spec.id);
                    summary.errors.push(format!("{}: {e:#}", spec.id));
                }
            }
        }
        let common: Vec<Proposal> = fuzz::SMITH_PROPOSALS
            .iter()
            .copied()
            .filter(|p| {
                engines
                    .iter()
                    .all(|e: &ReadyEngine| e.offers().iter().any(|f| f == p.name()))
            })
            .collect();
        summary.engines = ids.iter().map(|id| id.to_string()).collect();
        summary.proposals = common.iter().map(|p| p.name().to_string()).collect();
        let pool = wasm_compat::adapter::Pool::new(engines.len());
        wasm_compat::adapter::spin_for_workers(rayon::current_num_threads());
        Ok(Fuzzer {
            args,
            pairs: fuzz::pairs(&ids, &matrix.reference),
            engines,
            ids,
            common,
            caps: budgeted(matrix.limits.caps(), args.budget),
            pool,
            deadline: Instant::now() + args.time,
            seen: BTreeSet::new(),
            summary,
        })
    }

    /// Generate the modules of `seeds`, run each everywhere, and examine
    /// every pair that differs.
    fn batch(&mut self, seeds: std::ops::Range<u64>) -> Result<()> {
        let (mut modules, mut cases) = (Vec::new(), Vec::new());
        for seed in seeds {
            match fuzz::module(seed, &self.common) {
                Ok(bytes) => {
                    cases.push(fuzz::module_case(seed, &bytes, &self.common));
                    modules.push((seed, bytes));
                }
                Err(e) => self.summary.errors.push(format!("{e:#}")),
            }
        }
        // Each case parsed, encoded and its proposals inferred once for every engine.
        let buffers = wasm_compat::run::buffers(&cases);
        let parsed = wasm_compat::run::parse_cases(&cases, &buffers);
        let engines = self.engines.len();
        let caps = self.caps;
        let started = Instant::now();
        let timed: Vec<(Transcript, Duration)> = (0..cases.len() * engines)
            .into_par_iter()
            .map(|at| {
                let (case, engine) = (&cases[at / engines], &self.engines[at % engines]);
                let started = Instant::now();
                let pooled = Processes::Pooled(&self.pool);
                let transcript = fuzz::transcript(engine, case, &parsed, caps, pooled);
                (transcript, started.elapsed())
            })
            .collect();
        let elapsed = started.elapsed();
        let mut timed = timed.into_iter();
        for ((seed, bytes), case) in modules.iter().zip(&cases) {
            let (transcripts, times): (Vec<Transcript>, Vec<Duration>) =
                timed.by_ref().take(engines).unzip();
            self.tally(*seed, bytes, &transcripts, &times, elapsed);
            for (a, b) in self.pairs.clone() {
                if let Some(outcomes) = fuzz::first_difference(&transcripts[a], &transcripts[b]) {
                    self.examine(*seed, bytes, case, (a, b), outcomes)?;
                }
            }
        }
        Ok(())
    }

    /// Count one module's run: its calls, its errors, the engines that ran
    /// out of the budget, and, for a slow module, where its time went.
    fn tally(
        &mut self,
        seed: u64,
        bytes: &[u8],
        transcripts: &[Transcript],
        times: &[Duration],
        batch: Duration,
    ) {
        let total: Duration = times.iter().sum();
        if total >= SLOW_MODULE {
            let mut by_time: Vec<(Duration, &EngineId)> =
                times.iter().copied().zip(&self.ids).collect();
            by_time.sort_by(|a, b| b.0.cmp(&a.0));
            let slowest: Vec<String> = by_time
                .iter()
                .take(3)
                .map(|(t, id)| format!("{id} {t:.1?}"))
                .collect();
            eprintln!(
                "fuzz: seed {seed} took {total:.1?} on all engines together, its batch {batch:.1?} (slowest: {})",
                slowest.join(", ")
            );
        }
        self.summary.modules += 1;
        self.summary.calls += (fuzz::calls(bytes, seed).len() * self.engines.len()) as u64;
        for (t, id) in transcripts.iter().zip(&self.ids) {
            if let Transcript::Error(why) = t {
                self.summary.errors.push(format!("seed {seed}: {why}"));
            }
            if t.timed_out() {
                self.summary.slow.push(fuzz::Slow {
                    seed,
                    engine: id.to_string(),
                });
            }
        }
    }

    /// A difference between engines `a` and `b`: unless already found,
    /// confirm it, shrink it and write it as a case.
    fn examine(
        &mut self,
        seed: u64,
        bytes: &[u8],
        case: &wasm_compat::cases::Case,
        (a, b): (usize, usize),
        outcomes: (String, String),
    ) -> Result<()> {
        let (ia, ib) = (&self.ids[a], &self.ids[b]);
        // Within a family, per pair of versions; across families, per family
        // (Node 18, 20 and 22 differing alike from the reference are one).
        let key = if ia.engine == ib.engine {
            (ia.to_string(), ib.to_string())
        } else {
            (ia.engine.clone(), ib.engine.clone())
        };
        if !self.seen.insert((key, fuzz::difference_class(&outcomes))) {
            return Ok(());
        }
        let (ea, eb) = (&self.engines[a], &self.engines[b]);
        let again = (
            fuzz::transcript(ea, case, &Parsed::new(), self.caps, Processes::Fresh),
            fuzz::transcript(eb, case, &Parsed::new(), self.caps, Processes::Fresh),
        );
        let mut finding = Finding {
            seed,
            engines: (ia.to_string(), ib.to_string()),
            confirmed: fuzz::first_difference(&again.0, &again.1).as_ref() == Some(&outcomes),
            outcomes,
            bytes: (bytes.len(), bytes.len()),
            case: None,
        };
        if !finding.confirmed {
            eprintln!("fuzz: seed {seed}: {ia} vs {ib}: did not repeat (flaky)");
            self.summary.flaky.push(finding);
            return Ok(());
        }
        let shrunk = fuzz::shrink(
            bytes,
            seed,
            &self.common,
            (ea, eb),
            &finding.outcomes,
            self.args.shrink_attempts,
            self.caps,
            self.deadline,
        );
        finding.bytes.1 = shrunk.len();
        let file_name = format!("{}-{seed}-{}.wast", ib.engine, self.summary.findings.len());
        let bisect = bisect_command(ia, ib, &self.args.out.join(&file_name));
        let out_dir = std::env::current_dir()?.join(&self.args.out);
        std::fs::create_dir_all(&out_dir)
            .with_context(|| format!("making {}", out_dir.display()))?;
        let file = out_dir.join(&file_name);
        let text = fuzz::finding_text(&finding, &shrunk, bisect.clone());
        fsutil::write_atomic(&file, text.as_bytes())?;
        finding.case = Some(self.args.out.join(&file_name).display().to_string());
        eprintln!(
            "fuzz: seed {seed}: {ia} `{}` vs {ib} `{}`; shrunk {} -> {} bytes; written to {}{}",
            finding.outcomes.0,
            finding.outcomes.1,
            finding.bytes.0,
            finding.bytes.1,
            file.display(),
            bisect
                .map(|c| format!("\n  bisect: {c}"))
                .unwrap_or_default()
        );
        self.summary.findings.push(finding);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bisect_is_offered_between_releases_of_one_configuration() {
        let id = |s: &str| s.parse::<EngineId>().unwrap();
        let case = std::path::Path::new("cases/fuzz/x.wast");
        assert_eq!(
            bisect_command(&id("wasmer@6.1.0+singlepass"), &id("wasmer@7.4.2+singlepass"), case).as_deref(),
            Some("wasm-compat bisect --engine wasmer+singlepass --good 6.1.0 --bad 7.4.2 --case cases/fuzz/x.wast")
        );
        assert_eq!(
            bisect_command(
                &id("wasmtime@48.0.8+pooling"),
                &id("wasmtime@48.0.8+winch"),
                case
            ),
            None
        );
        assert_eq!(
            bisect_command(&id("wasmtime@48.0.8"), &id("wasmi@2.0.0"), case),
            None
        );
    }

    #[test]
    fn the_budget_caps_a_module_and_each_request_of_it() {
        let caps = wasm_compat::adapter::Caps {
            request: Duration::from_secs(60),
            case: Some(Duration::from_secs(900)),
            memory_bytes: Some(1 << 30),
        };
        let two = Duration::from_secs(2);
        let module = budgeted(caps, two);
        assert_eq!((module.request, module.case), (two, Some(two)));
        assert_eq!(module.memory_bytes, caps.memory_bytes);
        // A matrix's tighter limits stay.
        let tight = budgeted(caps, Duration::from_secs(3600));
        assert_eq!((tight.request, tight.case), (caps.request, caps.case));
        let unbounded = wasm_compat::adapter::Caps { case: None, ..caps };
        assert_eq!(budgeted(unbounded, two).case, Some(two));
    }

    #[test]
    fn durations_read_seconds_minutes_and_hours() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("5d").is_err());
    }
}
