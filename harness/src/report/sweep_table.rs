//! The compatibility table of a sweep folder: per family, one column per
//! published release (withdrawn ones marked, left-out ones with why), one row
//! per proposal and per behaviour case, each square what passed there out of
//! what applied, and per row the first release where it passes, the first
//! where it is on by default, and the releases where it stopped passing.
//!
//! A proposal merged into the standard is judged by the standard suite's
//! files that exercise it (`wasm-v3` by default: the files whose modules need
//! the proposal, and need nothing that builds on it), never by its
//! proposal-era folder, whose old rules the final spec contradicts; those
//! folders are kept as rows labelled history. A proposal not in the standard
//! is judged by its own folder. A file that an engine cannot run for lack of
//! *another* proposal says nothing about this one and is left out of the
//! square (the square says how many applied).
//!
//! Reading is one results file at a time, each reduced to one small mark per
//! case, so memory does not grow with the size of the cells.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::proposal::Proposal;
use crate::reason::Reason;
use crate::results::{CaseResult, RunResults, Status};
use crate::sweep::SweepDir;

/// The standard suite merged proposals are judged by, by default.
pub const STANDARD: &str = "wasm-v3";

/// Everything the tables show, also the machine-readable export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepTable {
    /// The spec suite merged proposals are judged by (`wasm-v3`).
    pub standard: String,
    /// The harness that made the table.
    pub harness: String,
    /// One per family swept.
    pub families: Vec<FamilyTable>,
}

/// One family's table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FamilyTable {
    /// `wazero`, `node`, ...
    pub family: String,
    /// Every release recorded, oldest first.
    pub releases: Vec<Column>,
    /// Proposal rows first (standard, not yet standard, history), then
    /// behaviour cases by name.
    pub rows: Vec<Row>,
}

/// One release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// The version.
    pub version: String,
    /// Withdrawn by its publisher, and how.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    /// Not run, and why (outside the adapter's range, a toolchain too old, a
    /// pre-release, or not swept yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_run: Option<String>,
    /// The engine (its host, for Node) as its adapter named itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The proposals it compiles with nothing enabled (probed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_by_default: Option<Vec<String>>,
}

/// What a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RowKind {
    /// A proposal merged into the standard, judged by the standard suite.
    Standard,
    /// The standard suite's files that need no proposal.
    Core,
    /// A proposal with no file in the standard suite (not merged yet, or
    /// its tests kept only in its own folder), judged by its own folder.
    Proposal,
    /// A merged proposal's proposal-era folder: history, not a verdict.
    History,
    /// One of the project's behaviour cases.
    Behaviour,
}

/// One row: a proposal (by its files) or a behaviour case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// What it is.
    pub kind: RowKind,
    /// The proposal's name, or the case's.
    pub name: String,
    /// The files it is judged by.
    pub files: Vec<String>,
    /// One square per release (of `FamilyTable::releases`).
    pub squares: Vec<Square>,
    /// The first release where every file that applies passes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_passing: Option<String>,
    /// For a proposal: the first release that has it on by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_on_by_default: Option<String>,
    /// Releases where a file of the row that passed in the release run
    /// before no longer passes (the same file, still applying).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regressions: Vec<String>,
}

/// What happened to a row's files on one release; all zero when the release
/// was not run. In the export, `[pass, known, fail, unsupported]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "[u32; 4]", into = "[u32; 4]")]
pub struct Square {
    /// Files that passed.
    pub pass: u32,
    /// Files that failed as the known-failure table says.
    pub known: u32,
    /// Files that failed, crashed, hung, or did not give the same result twice.
    pub fail: u32,
    /// Files the release cannot run: it lacks the proposal, or what the case needs.
    pub unsupported: u32,
}

impl From<[u32; 4]> for Square {
    fn from([pass, known, fail, unsupported]: [u32; 4]) -> Square {
        Square {
            pass,
            known,
            fail,
            unsupported,
        }
    }
}

impl From<Square> for [u32; 4] {
    fn from(s: Square) -> [u32; 4] {
        [s.pass, s.known, s.fail, s.unsupported]
    }
}

impl Square {
    /// Files that applied.
    pub fn total(&self) -> u32 {
        self.pass + self.known + self.fail + self.unsupported
    }

    /// Every file that applied passed (and one did).
    pub fn passes(&self) -> bool {
        self.total() > 0 && self.pass == self.total()
    }
}

/// One case on one release, reduced.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Mark {
    Pass,
    Known,
    Fail,
    /// Unsupported for lack of these proposals.
    Lacks(BTreeSet<Proposal>),
    /// Unsupported for another reason (or not judged).
    Unsupported,
}

impl Mark {
    fn of(r: &CaseResult) -> Mark {
        match r.status {
            Status::Pass => Mark::Pass,
            Status::KnownFailure => Mark::Known,
            Status::Unsupported => match &r.cause {
                Some(Reason::MissingProposals(needs)) | Some(Reason::OffByDefault(needs)) => {
                    Mark::Lacks(needs.all().into_iter().collect())
                }
                _ => Mark::Unsupported,
            },
            Status::Error => Mark::Unsupported,
            _ => Mark::Fail,
        }
    }

    /// Whether the mark says something of a row about `proposal` (None: a
    /// case's own row): lacking another proposal says nothing of this one.
    fn applies_to(&self, proposal: Option<Proposal>) -> bool {
        match (self, proposal) {
            (Mark::Lacks(missing), Some(p)) => missing.contains(&p),
            _ => true,
        }
    }

    /// Add this mark to `square` for a row about `proposal` (None: a case's
    /// own row): lacking another proposal says nothing of this one.
    fn count(&self, square: &mut Square, proposal: Option<Proposal>) {
        match self {
            Mark::Pass => square.pass += 1,
            Mark::Known => square.known += 1,
            Mark::Fail => square.fail += 1,
            Mark::Lacks(missing) => match proposal {
                Some(p) if !missing.contains(&p) => {}
                _ => square.unsupported += 1,
            },
            Mark::Unsupported => square.unsupported += 1,
        }
    }
}

/// One family's columns and each column's marks, read one file at a time.
struct Read {
    columns: Vec<Column>,
    marks: Vec<BTreeMap<String, Mark>>,
    cases: BTreeMap<String, BTreeSet<Proposal>>,
}

fn read_family(dir: &SweepDir, family: &str) -> Result<Read> {
    let mut read = Read {
        columns: Vec::new(),
        marks: Vec::new(),
        cases: BTreeMap::new(),
    };
    for release in dir.releases(family)? {
        let id = format!("{family}@{}", release.version).parse()?;
        let mut column = Column {
            version: release.version.to_string(),
            withdrawn: release.withdrawn.clone(),
            not_run: release.left_out.clone(),
            host: None,
            on_by_default: None,
        };
        // A damaged results file is that release's column, said, not the end
        // of the table.
        let results: Option<RunResults> = match &release.left_out {
            Some(_) => None,
            None => dir.read(&id).unwrap_or_else(|e| {
                eprintln!("wasm-compat: {e:#}; its release is shown as not run");
                column.not_run = Some(format!(
                    "its results file could not be read: {}",
                    first_line(&format!("{e:#}"))
                ));
                None
            }),
        };
        let mut marks = BTreeMap::new();
        match results {
            None if column.not_run.is_none() => column.not_run = Some("not swept yet".into()),
            None => {}
            Some(results) => {
                let entry = results.engines.first();
                column.on_by_default = entry.and_then(|e| e.on_by_default.clone());
                column.host = entry
                    .and_then(|e| e.info.as_ref())
                    .and_then(|i| i.host.clone());
                if let Some(why) = entry.and_then(|e| e.error.clone().or(e.unavailable.clone())) {
                    column.not_run = Some(first_line(&why));
                }
                for r in results.results.iter().filter(|r| r.second.is_none()) {
                    read.cases
                        .entry(r.case.clone())
                        .or_insert_with(|| needs_of(r));
                    marks.insert(r.case.clone(), Mark::of(r));
                }
            }
        }
        read.columns.push(column);
        read.marks.push(marks);
    }
    Ok(read)
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(200)
        .collect()
}

/// What the case of `r` needs: the proposals found from its modules, and
/// its proposal folder's.
pub fn needs_of(r: &CaseResult) -> BTreeSet<Proposal> {
    r.inferred
        .iter()
        .copied()
        .chain(folder_proposal(&r.case))
        .collect()
}

/// The proposal whose proposal-era folder holds `case` (`spec/proposals/simd/...`).
fn folder_proposal(case: &str) -> Option<Proposal> {
    case.strip_prefix("spec/proposals/")?
        .split('/')
        .next()?
        .parse()
        .ok()
}

/// Whether `case` is a file of the spec suite `suite` (`wasm-v3`).
fn in_suite(case: &str, suite: &str) -> bool {
    case.strip_prefix("spec/")
        .and_then(|rest| rest.strip_prefix(suite))
        .is_some_and(|rest| rest.starts_with('/'))
}

/// A row before its squares: what it is and the files it is judged by.
#[derive(Debug, Clone, PartialEq)]
pub struct RowSpec {
    /// What it is.
    pub kind: RowKind,
    /// The proposal's name, or the case's.
    pub name: String,
    /// The proposal it is about, for proposal rows.
    pub proposal: Option<Proposal>,
    /// The files it is judged by.
    pub files: Vec<String>,
}

impl RowSpec {
    /// The square of this row over one release's cells.
    pub fn square<'r>(&self, cell: impl Fn(&str) -> Option<&'r CaseResult>) -> Square {
        self.square_of_marks(|f| cell(f).map(Mark::of))
    }

    /// The square of this row from each file's mark on one release.
    fn square_of_marks(&self, mark: impl Fn(&str) -> Option<Mark>) -> Square {
        let mut square = Square::default();
        for f in &self.files {
            if let Some(m) = mark(f) {
                m.count(&mut square, self.proposal);
            }
        }
        square
    }
}

/// The rows of the cases whose needs are `cases`: which files each is
/// judged by (standard rows from the spec suite `standard`).
pub fn row_specs(cases: &BTreeMap<String, BTreeSet<Proposal>>, standard: &str) -> Vec<RowSpec> {
    let mut rows = Vec::new();
    let mut standard_files: BTreeMap<Proposal, Vec<String>> = BTreeMap::new();
    let mut core = Vec::new();
    for (name, needs) in cases.iter().filter(|(n, _)| in_suite(n, standard)) {
        let top: Vec<Proposal> = needs
            .iter()
            .copied()
            .filter(|p| !needs.iter().any(|q| q != p && q.builds_on(*p)))
            .collect();
        if top.is_empty() {
            core.push(name.clone());
        }
        for p in top {
            standard_files.entry(p).or_default().push(name.clone());
        }
    }
    let mut folders: BTreeMap<Proposal, Vec<String>> = BTreeMap::new();
    for name in cases.keys() {
        if let Some(p) = folder_proposal(name) {
            folders.entry(p).or_default().push(name.clone());
        }
    }
    let spec = |kind, name: String, proposal, files| RowSpec {
        kind,
        name,
        proposal,
        files,
    };
    if !core.is_empty() {
        rows.push(spec(
            RowKind::Core,
            "core (no proposal)".to_string(),
            None,
            core,
        ));
    }
    for (p, files) in &standard_files {
        rows.push(spec(
            RowKind::Standard,
            p.name().to_string(),
            Some(*p),
            files.clone(),
        ));
    }
    for (p, files) in &folders {
        let kind = match standard_files.contains_key(p) {
            true => RowKind::History,
            false => RowKind::Proposal,
        };
        rows.push(spec(kind, p.name().to_string(), Some(*p), files.clone()));
    }
    for name in cases.keys() {
        if crate::cases::Origin::of(name) != crate::cases::Origin::Spec {
            rows.push(spec(
                RowKind::Behaviour,
                name.clone(),
                None,
                vec![name.clone()],
            ));
        }
    }
    rows.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    rows
}

/// The table of every family in `dir`, judged by the spec suite `standard`.
pub fn table(dir: &SweepDir, standard: &str) -> Result<SweepTable> {
    let mut families = Vec::new();
    for family in dir.families()? {
        let read = read_family(dir, &family)?;
        let rows = row_specs(&read.cases, standard)
            .into_iter()
            .map(|spec| {
                let squares: Vec<Square> = read
                    .marks
                    .iter()
                    .map(|marks| spec.square_of_marks(|f| marks.get(f).cloned()))
                    .collect();
                let regressions = regressions(&spec, &read);
                row(spec, squares, regressions, &read.columns)
            })
            .collect();
        families.push(FamilyTable {
            family,
            releases: read.columns,
            rows,
        });
    }
    Ok(SweepTable {
        standard: standard.to_string(),
        harness: env!("CARGO_PKG_VERSION").to_string(),
        families,
    })
}

/// A row with its firsts and regressions, from its squares.
/// The releases where a file of the row that passed in the release run
/// before no longer passes (and still applies): the same file going back,
/// not a file newly applying.
fn regressions(spec: &RowSpec, read: &Read) -> Vec<String> {
    let ran: Vec<usize> = (0..read.columns.len())
        .filter(|&i| read.columns[i].not_run.is_none() && !read.marks[i].is_empty())
        .collect();
    ran.windows(2)
        .filter(|w| {
            spec.files.iter().any(|f| {
                read.marks[w[0]].get(f) == Some(&Mark::Pass)
                    && read.marks[w[1]]
                        .get(f)
                        .is_some_and(|m| m != &Mark::Pass && m.applies_to(spec.proposal))
            })
        })
        .map(|w| read.columns[w[1]].version.clone())
        .collect()
}

fn row(spec: RowSpec, squares: Vec<Square>, regressions: Vec<String>, columns: &[Column]) -> Row {
    let RowSpec {
        kind,
        name,
        proposal,
        files,
    } = spec;
    let ran = |i: usize| columns[i].not_run.is_none() && squares[i].total() > 0;
    let first_passing = (0..columns.len())
        .find(|&i| ran(i) && squares[i].passes())
        .map(|i| columns[i].version.clone());
    let first_on_by_default = proposal.and_then(|p| {
        columns
            .iter()
            .find(|c| {
                c.on_by_default
                    .as_ref()
                    .is_some_and(|on| on.iter().any(|n| n == p.name()))
            })
            .map(|c| c.version.clone())
    });
    Row {
        kind,
        name,
        files,
        squares,
        first_passing,
        first_on_by_default: match kind {
            RowKind::Behaviour | RowKind::Core => None,
            _ => first_on_by_default,
        },
        regressions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proposal::Needs;
    use crate::results::EngineEntry;
    use crate::sweep::ReleaseEntry;
    use Proposal::*;

    /// A cell: `status` p(ass), f(ail), k(nown), or the proposals it lacks.
    fn cell(
        version: &str,
        case: &str,
        needs: &[Proposal],
        mark: Result<char, &[Proposal]>,
    ) -> CaseResult {
        let (status, cause) = match mark {
            Ok('p') => (Status::Pass, None),
            Ok('k') => (Status::KnownFailure, None),
            Ok(_) => (Status::Fail, None),
            Err(lacks) => (
                Status::Unsupported,
                Some(Reason::MissingProposals(Needs {
                    declared: Vec::new(),
                    inferred: lacks.to_vec(),
                })),
            ),
        };
        CaseResult {
            engine: format!("fam@{version}").parse().unwrap(),
            second: None,
            case: case.into(),
            suite: "x".into(),
            status,
            reason: None,
            duration_ms: 1,
            directives: Vec::new(),
            flaky: None,
            inferred: needs.to_vec(),
            cause,
        }
    }

    fn release(dir: &SweepDir, version: &str, on: &[&str], cells: Vec<CaseResult>) {
        let id = format!("fam@{version}").parse().unwrap();
        let results = RunResults {
            schema: crate::results_file::SCHEMA,
            harness: "t".into(),
            wasm_testsuite: "t".into(),
            reference: "other@1.0.0".parse().unwrap(),
            started_unix: 0,
            duration_secs: 0.0,
            engines: vec![EngineEntry {
                id: "fam@1.0.0".parse().unwrap(),
                info: Some(serde_json::from_str(r#"{"engine":"fam","version":"x","protocol":1,"features":[],"capabilities":[]}"#).unwrap()),
                on_by_default: Some(on.iter().map(|s| s.to_string()).collect()),
                build: None,
                error: None,
                unavailable: None,
            }],
            results: cells,
            interrupted: false,
        };
        dir.write(&id, &results).unwrap();
    }

    const GC: &[Proposal] = &[Gc, FunctionReferences, ReferenceTypes, BulkMemory];

    fn swept() -> (tempfile::TempDir, SweepTable) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = SweepDir::new(tmp.path());
        let entries: Vec<ReleaseEntry> = ["1.0.0", "1.1.0", "1.2.0", "1.3.0"]
            .iter()
            .map(|v| ReleaseEntry {
                version: v.parse().unwrap(),
                withdrawn: (*v == "1.2.0").then(|| "yanked".to_string()),
                left_out: (*v == "1.3.0")
                    .then(|| "outside the adapter's supported range".to_string()),
            })
            .collect();
        dir.record_releases("fam", &entries).unwrap();
        let a = "spec/wasm-v3/a.wast";
        let b = "spec/wasm-v3/b.wast";
        let c = "spec/wasm-v3/c.wast";
        let d = "spec/wasm-v3/d.wast";
        let x = "spec/proposals/simd/x.wast";
        let t = "spec/proposals/threads/t.wast";
        let y = "cases/y.wast";
        release(
            &dir,
            "1.0.0",
            &["simd"],
            vec![
                cell("1.0.0", a, &[Simd], Ok('p')),
                cell("1.0.0", b, GC, Err(&[Gc])),
                cell("1.0.0", c, &[], Ok('f')),
                cell("1.0.0", d, &[Simd, MultiMemory], Err(&[MultiMemory])),
                cell("1.0.0", x, &[Simd], Ok('p')),
                cell("1.0.0", t, &[Threads], Ok('p')),
                cell("1.0.0", y, &[], Ok('p')),
            ],
        );
        release(
            &dir,
            "1.1.0",
            &["simd", "gc"],
            vec![
                cell("1.1.0", a, &[Simd], Ok('k')),
                cell("1.1.0", b, GC, Ok('p')),
                cell("1.1.0", c, &[], Ok('p')),
                cell("1.1.0", d, &[Simd, MultiMemory], Ok('p')),
                cell("1.1.0", x, &[Simd], Ok('p')),
                cell("1.1.0", t, &[Threads], Ok('p')),
                cell("1.1.0", y, &[], Ok('p')),
            ],
        );
        release(
            &dir,
            "1.2.0",
            &["simd", "gc"],
            vec![
                cell("1.2.0", a, &[Simd], Ok('p')),
                cell("1.2.0", b, GC, Ok('p')),
                cell("1.2.0", c, &[], Ok('p')),
                cell("1.2.0", d, &[Simd, MultiMemory], Ok('p')),
                cell("1.2.0", x, &[Simd], Ok('f')),
                cell("1.2.0", t, &[Threads], Ok('p')),
                cell("1.2.0", y, &[], Ok('f')),
            ],
        );
        let table = table(&dir, "wasm-v3").unwrap();
        (tmp, table)
    }

    fn row<'t>(table: &'t SweepTable, kind: RowKind, name: &str) -> &'t Row {
        table.families[0]
            .rows
            .iter()
            .find(|r| r.kind == kind && r.name == name)
            .unwrap_or_else(|| panic!("no {kind:?} row {name}"))
    }

    #[test]
    fn a_merged_proposal_is_judged_by_the_standard_files_that_exercise_it() {
        let (_tmp, table) = swept();
        let kinds: Vec<(RowKind, &str)> = table.families[0]
            .rows
            .iter()
            .map(|r| (r.kind, r.name.as_str()))
            .collect();
        // b needs gc and what gc builds on: only gc's row has it.
        assert!(
            !kinds
                .iter()
                .any(|(_, n)| *n == "function-references" || *n == "reference-types"),
            "{kinds:?}"
        );
        assert_eq!(
            row(&table, RowKind::Standard, "gc").files,
            ["spec/wasm-v3/b.wast"]
        );
        assert_eq!(
            row(&table, RowKind::Standard, "simd").files,
            ["spec/wasm-v3/a.wast", "spec/wasm-v3/d.wast"]
        );
        assert_eq!(
            row(&table, RowKind::Standard, "multi-memory").files,
            ["spec/wasm-v3/d.wast"]
        );
        assert_eq!(
            row(&table, RowKind::Core, "core (no proposal)").files,
            ["spec/wasm-v3/c.wast"]
        );
        // A merged proposal's own folder is history; an unmerged one's is its verdict.
        assert_eq!(
            row(&table, RowKind::History, "simd").files,
            ["spec/proposals/simd/x.wast"]
        );
        assert_eq!(
            row(&table, RowKind::Proposal, "threads")
                .first_passing
                .as_deref(),
            Some("1.0.0")
        );
        assert_eq!(
            row(&table, RowKind::Behaviour, "cases/y.wast").files,
            ["cases/y.wast"]
        );
    }

    #[test]
    fn squares_count_what_applies_and_rows_know_their_firsts_and_regressions() {
        let (_tmp, table) = swept();
        let simd = row(&table, RowKind::Standard, "simd");
        // d lacked multi-memory on 1.0.0: it says nothing of SIMD there.
        assert_eq!(
            simd.squares[0],
            Square {
                pass: 1,
                ..Square::default()
            }
        );
        assert_eq!(
            simd.squares[1],
            Square {
                pass: 1,
                known: 1,
                ..Square::default()
            }
        );
        assert_eq!(simd.first_passing.as_deref(), Some("1.0.0"));
        assert_eq!(simd.regressions, ["1.1.0"]);
        assert_eq!(simd.first_on_by_default.as_deref(), Some("1.0.0"));
        let gc = row(&table, RowKind::Standard, "gc");
        assert_eq!(
            gc.squares[0],
            Square {
                unsupported: 1,
                ..Square::default()
            }
        );
        assert_eq!(gc.first_passing.as_deref(), Some("1.1.0"));
        assert_eq!(gc.first_on_by_default.as_deref(), Some("1.1.0"));
        let y = row(&table, RowKind::Behaviour, "cases/y.wast");
        assert_eq!(y.regressions, ["1.2.0"]);
        assert_eq!(y.first_on_by_default, None);
        // The withdrawn release is run and marked; the left-out one says why.
        let releases = &table.families[0].releases;
        assert_eq!(releases[2].withdrawn.as_deref(), Some("yanked"));
        assert!(releases[3]
            .not_run
            .as_deref()
            .unwrap()
            .starts_with("outside"));
        assert_eq!(simd.squares[3], Square::default());
    }

    #[test]
    fn a_damaged_results_file_is_its_release_not_the_table() {
        let (tmp, _) = swept();
        std::fs::write(tmp.path().join("fam/1.1.0.json.gz"), b"not gzip").unwrap();
        let table = table(&SweepDir::new(tmp.path()), "wasm-v3").unwrap();
        let column = &table.families[0].releases[1];
        assert!(
            column
                .not_run
                .as_deref()
                .unwrap()
                .contains("could not be read"),
            "{column:?}"
        );
        assert_eq!(
            row(&table, RowKind::Standard, "simd").squares[0],
            Square {
                pass: 1,
                ..Square::default()
            }
        );
    }

    #[test]
    fn the_export_reads_back_to_the_same_table_and_pages_say_what_squares_count() {
        let (_tmp, table) = swept();
        let json = serde_json::to_string(&table).unwrap();
        assert_eq!(serde_json::from_str::<SweepTable>(&json).unwrap(), table);
        let files = super::super::sweep_pages::render(&table, &[]);
        let page = &files.iter().find(|(n, _)| n == "fam.html").unwrap().1;
        assert!(
            page.contains("title=\"simd on 1.1.0: 1 of 2 file(s) pass, 1 known failure(s)\""),
            "{page}"
        );
        assert!(page.contains("not run (outside the adapter"), "{page}");
        assert!(page.contains("[withdrawn: yanked]"), "{page}");
        let md = &files.iter().find(|(n, _)| n == "README.md").unwrap().1;
        assert!(
            md.contains("| `simd` | standard | 2 | 1.0.0 | 1.0.0 | 1.1.0 | 2/2 |"),
            "{md}"
        );
    }
}
