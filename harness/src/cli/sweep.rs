//! `wasm-compat sweep`: every published release of a family into a sweep
//! folder (`sweep`), shards' folders joined (`sweep merge`), and the
//! compatibility tables made from one (`sweep table`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use wasm_compat::builder::Builder;
use wasm_compat::cases::Case;
use wasm_compat::engine_id::EngineSpec;
use wasm_compat::expectations::Expectations;
use wasm_compat::outputs::Outputs;
use wasm_compat::plan::Shard;
use wasm_compat::results::RunResults;
use wasm_compat::run::{execute, Job};
use wasm_compat::snapshot::Snapshots;
use wasm_compat::sweep::{self, Done, Options, Runner, SweepDir};

/// The spec suites a sweep runs by default: the Wasm 3.0 core suite (by
/// which merged proposals are judged) and every proposal's own folder.
pub const DEFAULT_SPEC: &[&str] = &["wasm-v3", "proposals/*"];

/// `sweep`'s arguments.
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    /// `merge` or `table`; without one, sweep.
    #[command(subcommand)]
    action: Option<Action>,
    #[command(flatten)]
    sweep: SweepArgs,
}

/// What else `sweep` does.
#[derive(clap::Subcommand)]
enum Action {
    /// Merge shards' sweep folders into one (`--dir`), cell by cell.
    Merge(MergeArgs),
    /// The compatibility tables of a sweep folder, published into a folder:
    /// table.json (the export), README.md, webassembly-org.md (the
    /// comparison with webassembly.org's feature table) and HTML pages.
    Table(TableArgs),
}

/// `sweep table`'s arguments.
#[derive(clap::Args)]
struct TableArgs {
    /// The sweep folder (default: target/wasm-compat/sweep).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Make the pages again from a published table.json instead of a sweep
    /// folder (what the tests do to check a published table is current).
    #[arg(long, conflicts_with = "dir")]
    from_json: Option<PathBuf>,
    /// Where to publish (default: target/wasm-compat/sweep-site).
    #[arg(long)]
    out: Option<PathBuf>,
    /// The spec suite merged proposals are judged by.
    #[arg(long, default_value = wasm_compat::report::sweep_table::STANDARD)]
    standard: String,
    /// webassembly.org's features data (its features.json, or the kept
    /// extract's form); default: the copy kept in the harness.
    #[arg(long)]
    features: Option<PathBuf>,
}

/// Sweeping's arguments.
#[derive(clap::Args)]
struct SweepArgs {
    /// The families to sweep, as named in matrix.toml (repeatable; a
    /// configuration as `wasmer+singlepass`); default: every family.
    #[arg(long = "engine", short = 'e')]
    engines: Vec<String>,
    /// The oldest release swept: a version, or a line (`18`, `0.31`) from
    /// its first release (default: the oldest published).
    #[arg(long)]
    from: Option<sweep::Bound>,
    /// The newest release swept: a version, or a line (`24`) to its last
    /// release (default: the newest published).
    #[arg(long)]
    to: Option<sweep::Bound>,
    /// Include pre-releases.
    #[arg(long)]
    pre_releases: bool,
    /// Run only shard K of N, split by release (`sweep merge` joins them).
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
    /// The sweep folder (default: target/wasm-compat/sweep).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Run the selected cases again on every release, even where they have
    /// cells already (after a case changed); their new cells replace the old.
    #[arg(long)]
    again: bool,
    /// Only list the releases the sweep would take (and the shard's), with
    /// their marks and which already have every case; run nothing.
    #[arg(long)]
    list: bool,
    /// Keep the adapter builds the sweep makes (by default each is removed
    /// once its release's cells ran; builds already cached are kept).
    #[arg(long)]
    keep_builds: bool,
    /// The cases (default: the spec suites wasm-v3 and proposals/*, and the
    /// matrix's case folders; cross-version cases are left to `run`).
    #[command(flatten)]
    cases: super::CaseArgs,
    /// Worker threads (default: the number of cores).
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
    #[command(flatten)]
    matrix: super::MatrixArg,
}

/// `sweep merge`'s arguments.
#[derive(clap::Args)]
struct MergeArgs {
    /// The shards' sweep folders.
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    /// The sweep folder merged into (default: target/wasm-compat/sweep).
    #[arg(long)]
    dir: Option<PathBuf>,
}

/// The default sweep folder.
pub fn default_dir() -> PathBuf {
    Outputs::from_env().dir.join("sweep")
}

/// Sweep, merge or make tables.
pub fn run(args: Args, progress: bool) -> Result<ExitCode> {
    match args.action {
        Some(Action::Merge(m)) => merge(m),
        Some(Action::Table(t)) => table(t),
        None => sweep_families(args.sweep, progress),
    }
}

fn merge(args: MergeArgs) -> Result<ExitCode> {
    let dir = SweepDir::new(args.dir.unwrap_or_else(default_dir));
    for shard in &args.shards {
        if !shard.is_dir() {
            bail!("{}: not a sweep folder", shard.display());
        }
        for line in dir.merge_from(&SweepDir::new(shard))? {
            println!("merged {line}");
        }
    }
    println!("sweep folder: {}", dir.root.display());
    Ok(ExitCode::SUCCESS)
}

fn table(args: TableArgs) -> Result<ExitCode> {
    use wasm_compat::report::{sweep_pages, sweep_table, webassembly_org};
    let table = match &args.from_json {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            serde_json::from_str(&text)
                .with_context(|| format!("{}: not a sweep table", path.display()))?
        }
        None => {
            let dir = SweepDir::new(args.dir.clone().unwrap_or_else(default_dir));
            if dir.families()?.is_empty() {
                bail!(
                    "{}: no family swept here (run `wasm-compat sweep` first)",
                    dir.root.display()
                );
            }
            sweep_table::table(&dir, &args.standard)?
        }
    };
    let features = match &args.features {
        Some(path) => {
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
        }
        None => webassembly_org::KEPT.to_string(),
    };
    let claims = webassembly_org::parse(&features)?;
    let comparison = webassembly_org::compare(&table, &claims);
    let files = sweep_pages::render(&table, &comparison);
    let out = args
        .out
        .unwrap_or_else(|| Outputs::from_env().dir.join("sweep-site"));
    super::site::publish(&out, &files)?;
    println!(
        "sweep table of {} famil(ies), {} disagreement(s) with webassembly.org: {} (open index.html)",
        table.families.len(),
        comparison.iter().filter(|l| l.disagreement.is_some()).count(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn sweep_families(args: SweepArgs, progress: bool) -> Result<ExitCode> {
    let matrix = args.matrix.load()?;
    let cases: Vec<Case> = args
        .cases
        .select(&matrix, Some(DEFAULT_SPEC))?
        .into_iter()
        .filter(|c| !c.cross_version)
        .collect();
    let expectations = super::expectations_of(&matrix)?;
    let builder = super::builder(progress)?;
    let dir = SweepDir::new(args.dir.clone().unwrap_or_else(default_dir));
    let names: Vec<String> = match args.engines.is_empty() {
        true => matrix.families.keys().cloned().collect(),
        false => args.engines.clone(),
    };
    ctrlc::set_handler(|| {
        eprintln!("\nwasm-compat: interrupted: stopping the adapters; finished releases are kept");
        wasm_compat::adapter::stop_all();
    })
    .context("installing the interrupt handler")?;
    let mut runner = Real {
        builder: &builder,
        expectations: &expectations,
        caps: matrix.limits.caps(),
        jobs: args.jobs.unwrap_or_else(super::cores),
        progress,
        reference: matrix.reference.clone(),
        last_cases: Vec::new(),
    };
    let mut failed = false;
    for name in names {
        let (family, config) = match name.split_once('+') {
            Some((f, c)) => (f.to_string(), Some(c.to_string())),
            None => (name.clone(), None),
        };
        let fam = matrix
            .families
            .get(&family)
            .with_context(|| format!("{}: no engine family `{family}`", matrix.path.display()))?;
        let any = fam
            .versions
            .first()
            .with_context(|| format!("{}: `{family}` lists no version", matrix.path.display()))?;
        let engine = matrix.spec_for(&match &config {
            Some(c) => format!("{family}@{any}+{c}"),
            None => format!("{family}@{any}"),
        })?;
        // A registry that cannot be reached stops this family only.
        let published = match builder.published(&fam.source) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("wasm-compat: sweeping {name}: listing its releases: {e:#}; the other families go on");
                failed = true;
                continue;
            }
        };
        let targets = sweep::targets(
            &published,
            args.from.as_ref(),
            args.to.as_ref(),
            args.pre_releases,
        );
        let shard_size = sweep::in_shard(&targets, args.shard).len();
        eprintln!(
            "wasm-compat: sweeping {name}: {} release(s) in range, {shard_size} in this shard, {} case(s), into {}",
            targets.len(),
            cases.len(),
            dir.root.display()
        );
        if args.list {
            list(&dir, &engine, &targets, &cases, args.shard)?;
            continue;
        }
        let started = std::time::Instant::now();
        let mut counts = Counts::default();
        let options = Options {
            shard: args.shard,
            keep_builds: args.keep_builds,
            again: args.again,
        };
        sweep::sweep(
            &dir,
            &engine,
            &targets,
            &cases,
            &mut runner,
            options,
            &mut |id, done| {
                counts.add(done);
                failed |= matches!(
                    done,
                    Done::Ran {
                        prepared: false,
                        ..
                    }
                );
                println!("{}", line(id, done));
            },
        )?;
        println!(
            "sweep {name}: {} run, {} with nothing new, {} left out, in {:.0}s; harness peak resident {}",
            counts.ran,
            counts.nothing_new,
            counts.left_out,
            started.elapsed().as_secs_f64(),
            wasm_compat::run::peak_resident().map_or("unknown".into(), mib)
        );
        if wasm_compat::adapter::stopping() {
            return Ok(ExitCode::from(130));
        }
    }
    Ok(super::exit(!failed))
}

/// `sweep --list`: each release of the shard, its marks, and how many of
/// the cases it still needs.
fn list(
    dir: &SweepDir,
    engine: &EngineSpec,
    targets: &[sweep::ReleaseEntry],
    cases: &[Case],
    shard: Option<Shard>,
) -> Result<()> {
    for t in sweep::in_shard(targets, shard) {
        let id = engine.at_version(t.version.clone().into()).id;
        let state = match &t.left_out {
            Some(why) => format!("left out: {why}"),
            None => {
                let done = dir.read(&id)?;
                match sweep::missing(done.as_ref(), cases).len() {
                    0 => "nothing new to run".to_string(),
                    n => format!("{n} case(s) to run"),
                }
            }
        };
        let withdrawn = t
            .withdrawn
            .as_ref()
            .map(|w| format!(" [withdrawn: {w}]"))
            .unwrap_or_default();
        println!("{id}{withdrawn}: {state}");
    }
    Ok(())
}

/// How many releases went which way.
#[derive(Default)]
struct Counts {
    ran: usize,
    nothing_new: usize,
    left_out: usize,
}

impl Counts {
    fn add(&mut self, done: &Done) {
        match done {
            Done::Ran { .. } => self.ran += 1,
            Done::NothingNew => self.nothing_new += 1,
            Done::LeftOut(_) => self.left_out += 1,
        }
    }
}

/// One line per release.
fn line(id: &wasm_compat::engine_id::EngineId, done: &Done) -> String {
    match done {
        Done::LeftOut(why) => format!("{id}: left out: {why}"),
        Done::NothingNew => format!("{id}: nothing new to run"),
        Done::Ran {
            cells,
            secs,
            prepared,
            removed,
        } => {
            let prepared = match prepared {
                true => "",
                false => " (the engine could not be prepared: see its results file)",
            };
            let removed = match removed {
                0 => String::new(),
                n => format!(", build removed ({})", mib(*n)),
            };
            format!(
                "{id}: {cells} cell(s) in {secs:.1}s{prepared}{removed}; harness resident {} now, peak {}",
                wasm_compat_protocol::current_memory_usage().map_or("unknown".into(), |m| mib(m.rss_bytes)),
                wasm_compat::run::peak_resident().map_or("unknown".into(), mib)
            )
        }
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.0} MiB", bytes as f64 / (1 << 20) as f64)
}

/// The real runner: one engine, its missing cases, through `run::execute`
/// (no snapshot: a sweep judges by the cases' own assertions and the
/// known-failure table).
struct Real<'a> {
    builder: &'a Builder,
    expectations: &'a Expectations,
    caps: wasm_compat::adapter::Caps,
    jobs: usize,
    progress: bool,
    reference: wasm_compat::engine_id::EngineId,
    /// The cases of the release being run (what `recheck` runs again).
    last_cases: Vec<Case>,
}

impl Real<'_> {
    /// Run once more the project's own cases that went unexpectedly (each
    /// already twice, the second time in a fresh process): a behaviour case
    /// that measures memory or time on an old release can sit at its bound,
    /// and one sweep must not publish what the next would not. A third run
    /// that does not go wrong makes the cell flaky (`results::confirm`).
    fn recheck(&self, spec: &EngineSpec, results: &mut RunResults) -> Result<()> {
        let again: Vec<String> = results
            .results
            .iter()
            .filter(|r| r.status.is_unexpected() && r.origin() == wasm_compat::cases::Origin::Local)
            .map(|r| r.case.clone())
            .collect();
        if again.is_empty() || results.interrupted {
            return Ok(());
        }
        let retried = execute(
            self.builder,
            &self.job(spec, self.cases_named(&again), false),
        )?;
        for r in results.results.iter_mut() {
            if let Some(retry) = retried
                .results
                .iter()
                .find(|t| t.case == r.case && t.second == r.second)
            {
                *r = wasm_compat::results::confirm(r.clone(), retry.clone());
            }
        }
        Ok(())
    }

    /// The job of `cases` on `spec` alone, judged without snapshots.
    fn job(&self, spec: &EngineSpec, cases: Vec<Case>, progress: bool) -> Job<'_> {
        Job {
            engines: vec![spec.clone()],
            cases,
            reference: self.reference.clone(),
            caps: self.caps,
            expectations: self.expectations,
            jobs: self.jobs,
            progress,
            snapshots: Snapshots::Skip,
            shard: None,
            done: Vec::new(),
            recorder: None,
        }
    }

    fn cases_named(&self, names: &[String]) -> Vec<Case> {
        self.last_cases
            .iter()
            .filter(|c| names.contains(&c.name))
            .cloned()
            .collect()
    }
}

impl Runner for Real<'_> {
    fn cached(&self, spec: &EngineSpec) -> bool {
        self.builder.is_cached(spec)
    }

    fn run(&mut self, spec: &EngineSpec, cases: &[&Case]) -> Result<RunResults> {
        self.last_cases = cases.iter().map(|c| (*c).clone()).collect();
        let job = self.job(spec, self.last_cases.clone(), self.progress);
        let mut results = execute(self.builder, &job)?;
        self.recheck(spec, &mut results)?;
        Ok(results)
    }

    fn remove_build(&mut self, spec: &EngineSpec) -> Result<u64> {
        self.builder.remove_build(spec)
    }
}
