//! The plan of a run: which cells exist, how they group into units that run
//! (and are snapshotted) together, and which cannot run here and why, decided
//! before anything runs. `run`, the test binary, `bench`, `diff` and `bisect`
//! all take their cells from here; a cell's name is spelled only by
//! [`CellId`]'s `Display`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use wasm_compat_protocol::EngineInfo;

use crate::builder::BuiltAdapter;
use crate::cases::Case;
use crate::engine_id::{EngineId, EngineSpec};
use crate::interp::{CaseRun, Parsed};
use crate::proposal;
use crate::reason::Reason;

/// The identity of a cell: an engine (or an ordered pair of versions of one
/// family, for a cross-version case) and a case. Its `Display`
/// (`wasmtime@48.0.8/spec/wasm-v2/i32.wast`,
/// `wasmtime@24.0.13->48.0.8/cases/cache/cross_version.wast`) is the one name
/// of the cell in test names, shards, `--resume`, results and reports.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellId {
    /// The engine (the first of a pair).
    pub engine: EngineId,
    /// The second engine of a cross-version pair.
    pub second: Option<EngineId>,
    /// The case's name (its path).
    pub case: String,
}

impl CellId {
    /// The engine part of the name, as the known-failure table matches it:
    /// `wasmi@1.0.9`, `wasmtime@48.0.8+winch`, or `wasmtime@24.0.13->48.0.8`
    /// (`wasmer@7.4.2->7.4.2+singlepass`) for a pair.
    pub fn engine_label(&self) -> String {
        match &self.second {
            None => self.engine.to_string(),
            Some(second) => format!("{}->{}", self.engine, second.version_label()),
        }
    }
}

impl fmt::Display for CellId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.engine_label(), self.case)
    }
}

/// A planned cell: its identity and its case.
#[derive(Debug, Clone)]
pub struct Cell {
    /// The identity.
    pub id: CellId,
    /// The case it runs.
    pub case: Arc<Case>,
}

impl Cell {
    /// The engines the cell needs, in order.
    pub fn engines(&self) -> impl Iterator<Item = &EngineId> {
        std::iter::once(&self.id.engine).chain(self.id.second.as_ref())
    }
}

/// What runs (and is snapshotted) together.
#[derive(Debug, Clone)]
pub enum Unit {
    /// One case on one engine.
    Single(Cell),
    /// A cross-version case on every ordered pair of one family's versions;
    /// its grid is snapshotted as a whole.
    Grid {
        /// The family.
        family: String,
        /// The case.
        case: Arc<Case>,
        /// One cell per ordered pair, first versions in plan order.
        pairs: Vec<Cell>,
    },
}

impl Unit {
    /// The unit's name: the cell's, or `family@*/case` for a grid. Test names,
    /// shard assignment and filters use it.
    pub fn name(&self) -> String {
        match self {
            Unit::Single(cell) => cell.id.to_string(),
            Unit::Grid { family, case, .. } => format!("{family}@*/{}", case.name),
        }
    }

    /// The unit's cells.
    pub fn cells(&self) -> &[Cell] {
        match self {
            Unit::Single(cell) => std::slice::from_ref(cell),
            Unit::Grid { pairs, .. } => pairs,
        }
    }

    /// The case.
    pub fn case(&self) -> &Arc<Case> {
        match self {
            Unit::Single(cell) => &cell.case,
            Unit::Grid { case, .. } => case,
        }
    }

    /// Why the whole unit cannot run on the prepared `engines`, decided before
    /// it runs: a single cell whose engine lacks a proposal the case needs or
    /// cannot be used here, a grid none of whose pairs can run.
    pub fn unsupported(&self, engines: &Engines, parsed: &Parsed<'_>) -> Option<Reason> {
        let mut why = None;
        for cell in self.cells() {
            match readiness(cell, engines, parsed) {
                Err(Blocked::Unsupported(reason)) => why = Some(reason),
                _ => return None,
            }
        }
        why
    }

    /// Every engine the unit needs.
    pub fn engines(&self) -> Vec<&EngineId> {
        let mut out: Vec<&EngineId> = self.cells().iter().flat_map(Cell::engines).collect();
        out.sort();
        out.dedup();
        out
    }
}

/// Every unit of `engines` x `cases`: a single cell per engine and ordinary
/// case, and per family a grid of every ordered pair for each cross-version
/// case. Families and engines keep the order of `engines`.
pub fn units(engines: &[EngineSpec], cases: &[Arc<Case>]) -> Vec<Unit> {
    let mut out = Vec::new();
    for spec in engines {
        for case in cases.iter().filter(|c| !c.cross_version) {
            out.push(Unit::Single(Cell {
                id: CellId {
                    engine: spec.id.clone(),
                    second: None,
                    case: case.name.clone(),
                },
                case: case.clone(),
            }));
        }
    }
    // A `+defaults` cell is one engine out of the box; the grids pair the
    // configurations that make and load artifacts and caches.
    let mut families: BTreeMap<&str, Vec<&EngineId>> = BTreeMap::new();
    for spec in engines.iter().filter(|s| !s.id.defaults_only()) {
        families.entry(&spec.id.engine).or_default().push(&spec.id);
    }
    for case in cases.iter().filter(|c| c.cross_version) {
        for (family, ids) in &families {
            let pairs = ids
                .iter()
                .flat_map(|a| ids.iter().map(move |b| (*a, *b)))
                .map(|(a, b)| Cell {
                    id: CellId {
                        engine: a.clone(),
                        second: Some(b.clone()),
                        case: case.name.clone(),
                    },
                    case: case.clone(),
                })
                .collect();
            out.push(Unit::Grid {
                family: family.to_string(),
                case: case.clone(),
                pairs,
            });
        }
    }
    out
}

/// The one cell of a cross-version `case` with `first` then `second` (what a
/// grid bisection probes), as a grid of that pair alone.
pub fn pair(first: &EngineId, second: &EngineId, case: &Arc<Case>) -> Unit {
    Unit::Grid {
        family: first.engine.clone(),
        case: case.clone(),
        pairs: vec![Cell {
            id: CellId {
                engine: first.clone(),
                second: Some(second.clone()),
                case: case.name.clone(),
            },
            case: case.clone(),
        }],
    }
}

/// An engine ready to run: its adapter and what it said about itself.
#[derive(Debug, Clone)]
pub struct ReadyEngine {
    /// The adapter binary.
    pub adapter: BuiltAdapter,
    /// Its hello.
    pub info: EngineInfo,
    /// The proposals its engine compiles and instantiates with none
    /// enabled (probed when it was prepared): on by default; `None` when the
    /// probe could not run (only its `+defaults` cells need it).
    pub on_by_default: Option<Vec<String>>,
}

impl ReadyEngine {
    /// The proposals a case may need here: every one the engine can enable,
    /// or under `+defaults` only those on by default (and those it announces
    /// that no probe can tell, `Proposal::probe`).
    pub fn offers(&self) -> std::borrow::Cow<'_, [String]> {
        if !self.id().defaults_only() {
            return std::borrow::Cow::Borrowed(&self.info.features);
        }
        let unprobed = self.info.features.iter().filter(|f| {
            f.parse::<proposal::Proposal>()
                .is_ok_and(|p| p.probe().is_none())
        });
        let on = self.on_by_default.iter().flatten();
        std::borrow::Cow::Owned(on.chain(unprobed).cloned().collect())
    }

    /// Which engine this is.
    pub fn id(&self) -> &EngineId {
        &self.adapter.id
    }

    /// Why a case needing `needs` does not run here: the engine cannot
    /// enable them, or under `+defaults` does not turn them on by default.
    pub fn lacking(&self, needs: &proposal::Needs) -> Option<Reason> {
        // What the version cannot enable at all is missing, under any
        // configuration; only then is being off by default the reason.
        if let Some(why) = Reason::lacking(needs, &self.info.features, false) {
            return Some(why);
        }
        if self.id().defaults_only() && self.on_by_default.is_none() {
            return Some(Reason::EngineLacks {
                what: "which proposals are on by default could not be probed".into(),
            });
        }
        Reason::lacking(needs, &self.offers(), self.id().defaults_only())
    }
}

/// The prepared engines of a run: each ready, or why not.
pub type Engines = BTreeMap<EngineId, Result<ReadyEngine, NotReady>>;

/// Why an engine of the plan is not ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotReady {
    /// Its source cannot be used on this machine (a missing toolchain, an
    /// unreachable registry for a version not yet cached): its
    /// cells are unsupported here.
    Unavailable(String),
    /// Building or starting its adapter failed: its cells are errors.
    Failed(String),
}

impl NotReady {
    /// The reason in words.
    pub fn reason(&self) -> &str {
        match self {
            NotReady::Unavailable(why) | NotReady::Failed(why) => why,
        }
    }
}

/// The ready engines `cell` runs on, or why it does not run: an engine it
/// needs could not be prepared, or lacks a proposal the case needs (declared,
/// or inferred when the case was prepared), or the case could not be
/// prepared (`parsed`; a case not in it is prepared when it runs).
pub fn readiness<'e>(
    cell: &Cell,
    engines: &'e Engines,
    parsed: &Parsed<'_>,
) -> Result<Vec<&'e ReadyEngine>, Blocked> {
    if let Some(why) = cell.case.state.unsupported() {
        return Err(Blocked::Unsupported(why.clone()));
    }
    let mut ready = Vec::new();
    for id in cell.engines() {
        match engines.get(id) {
            Some(Ok(engine)) => ready.push(engine),
            Some(Err(NotReady::Unavailable(why))) => {
                return Err(Blocked::Unsupported(Reason::Unavailable {
                    what: why.clone(),
                }))
            }
            Some(Err(NotReady::Failed(why))) => {
                return Err(Blocked::NotPrepared(format!("{id}: {why}")))
            }
            None => return Err(Blocked::NotPrepared(format!("{id}: not prepared"))),
        }
    }
    let declared = proposal::Needs {
        declared: cell.case.features.clone(),
        inferred: Vec::new(),
    };
    if let Some(why) = ready.iter().find_map(|e| e.lacking(&declared)) {
        return Err(Blocked::Unsupported(why));
    }
    match parsed.get(cell.case.name.as_str()) {
        Some(Err(CaseRun::Unsupported(why))) => return Err(Blocked::Unsupported(why.clone())),
        Some(Err(CaseRun::Error(why))) => return Err(Blocked::Broken(why.clone())),
        Some(Ok(prepared)) => {
            let lacks = ready
                .iter()
                .find_map(|e| e.lacking(&prepared.needs(&cell.case)));
            if let Some(why) = lacks {
                return Err(Blocked::Unsupported(why));
            }
        }
        Some(Err(CaseRun::Ran(_))) | None => {}
    }
    Ok(ready)
}

/// Why a planned cell does not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocked {
    /// An engine it needs lacks something the case needs.
    Unsupported(Reason),
    /// An engine it needs could not be built or started.
    NotPrepared(String),
    /// The case could not be prepared: it is broken.
    Broken(Reason),
}

/// Units of one of N deterministic parts of a run (`--shard K/N`): a unit
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
    fn from_str(s: &str) -> anyhow::Result<Self> {
        let parsed = s.split_once('/').and_then(|(k, n)| {
            Some((k.trim().parse::<u64>().ok()?, n.trim().parse::<u64>().ok()?))
        });
        match parsed {
            Some((k, n)) if n > 0 && (1..=n).contains(&k) => Ok(Shard {
                index: k - 1,
                count: n,
            }),
            _ => anyhow::bail!("a shard is K/N with 1 <= K <= N, e.g. 2/4; got {s:?}"),
        }
    }
}

impl Shard {
    /// Whether the unit named `name` is in this shard.
    pub fn takes(&self, name: &str) -> bool {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(name.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_le_bytes(first) % self.count == self.index
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine_id::AdapterSource;

    fn spec(id: &str) -> EngineSpec {
        EngineSpec::new(
            id.parse().unwrap(),
            AdapterSource::Command {
                argv: vec!["x".into()],
            },
        )
    }

    fn case(name: &str, cross_version: bool) -> Arc<Case> {
        Arc::new(Case {
            cross_version,
            ..Case::from_text(name, "cases", "")
        })
    }

    fn ready(id: &str, features: &[&str]) -> ReadyEngine {
        let id: EngineId = id.parse().unwrap();
        ReadyEngine {
            adapter: BuiltAdapter {
                id: id.clone(),
                program: "x".into(),
                args: Vec::new(),
                record: None,
                recording: None,
            },
            info: EngineInfo {
                engine: id.engine.clone(),
                version: id.version_label(),
                protocol: wasm_compat_protocol::PROTOCOL_VERSION,
                features: features.iter().map(|f| f.to_string()).collect(),
                capabilities: Vec::new(),
                host: None,
                settings: Default::default(),
            },
            on_by_default: Some(Vec::new()),
        }
    }

    #[test]
    fn what_preparing_a_case_found_is_decided_before_its_cells_run() {
        let m64 = Case::from_text("cases/m64.wast", "cases", "(module (memory i64 1))");
        let bad = Case::from_text("cases/bad.wast", "cases", "(module (func oops))");
        let cases = [m64, bad];
        let buffers: Vec<_> = cases.iter().map(crate::interp::buffer).collect();
        let parsed: Parsed<'_> = cases
            .iter()
            .zip(&buffers)
            .map(|(c, b)| (c.name.as_str(), crate::interp::prepare(b.as_ref(), c)))
            .collect();
        let engines: Engines = [
            ("old@1.0.0".parse().unwrap(), Ok(ready("old@1.0.0", &[]))),
            (
                "new@1.0.0".parse().unwrap(),
                Ok(ready("new@1.0.0", &["memory64"])),
            ),
        ]
        .into_iter()
        .collect();
        let cell = |engine: &str, case: &Case| Cell {
            id: CellId {
                engine: engine.parse().unwrap(),
                second: None,
                case: case.name.clone(),
            },
            case: Arc::new(case.clone()),
        };
        match readiness(&cell("old@1.0.0", &cases[0]), &engines, &parsed) {
            Err(Blocked::Unsupported(why)) => assert_eq!(
                why,
                Reason::MissingProposals(crate::proposal::Needs {
                    declared: vec![],
                    inferred: vec![crate::proposal::Proposal::Memory64],
                })
            ),
            other => panic!("{:?}", other.map(|r| r.len())),
        }
        assert!(readiness(&cell("new@1.0.0", &cases[0]), &engines, &parsed).is_ok());
        // Under `+defaults` what the engine can enable is not enough: it
        // must have the proposal on by default.
        let mut engines = engines;
        let defaults = |on: &[&str]| ReadyEngine {
            on_by_default: Some(on.iter().map(|p| p.to_string()).collect()),
            ..ready("new@1.0.0+defaults", &["memory64"])
        };
        let id: EngineId = "new@1.0.0+defaults".parse().unwrap();
        engines.insert(id.clone(), Ok(defaults(&[])));
        match readiness(&cell("new@1.0.0+defaults", &cases[0]), &engines, &parsed) {
            Err(Blocked::Unsupported(why)) => assert_eq!(
                why.to_string(),
                "needs memory64 (inferred from its modules), not on by default in this version (`+defaults` enables nothing)"
            ),
            other => panic!("{:?}", other.map(|r| r.len())),
        }
        engines.insert(id, Ok(defaults(&["memory64"])));
        assert!(readiness(&cell("new@1.0.0+defaults", &cases[0]), &engines, &parsed).is_ok());
        match readiness(&cell("new@1.0.0", &cases[1]), &engines, &parsed) {
            Err(Blocked::Broken(why)) => {
                assert!(why.to_string().contains("cases/bad.wast:1:"), "{why}")
            }
            other => panic!("{:?}", other.map(|r| r.len())),
        }
    }

    #[test]
    fn cells_are_named_once_and_grids_cover_every_ordered_pair() {
        let engines = [spec("a@1.0.0"), spec("a@2.0.0"), spec("b@1.0.0")];
        let cases = [case("cases/x.wast", false), case("cases/pair.wast", true)];
        let units = units(&engines, &cases);
        let names: Vec<String> = units.iter().map(Unit::name).collect();
        assert_eq!(
            names,
            [
                "a@1.0.0/cases/x.wast",
                "a@2.0.0/cases/x.wast",
                "b@1.0.0/cases/x.wast",
                "a@*/cases/pair.wast",
                "b@*/cases/pair.wast",
            ]
        );
        let pairs: Vec<String> = units[3].cells().iter().map(|c| c.id.to_string()).collect();
        assert_eq!(
            pairs,
            [
                "a@1.0.0->1.0.0/cases/pair.wast",
                "a@1.0.0->2.0.0/cases/pair.wast",
                "a@2.0.0->1.0.0/cases/pair.wast",
                "a@2.0.0->2.0.0/cases/pair.wast",
            ]
        );
        assert_eq!(units[3].cells()[1].id.engine_label(), "a@1.0.0->2.0.0");
    }

    #[test]
    fn shards_partition_units() {
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
